import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag names a wildcard finding after the resource as it appears in the template, with
 * references flattened (`arn:<AWS::Partition>:sqs:...:gpuhive-dev-host-*`, `<Table1234.Arn>`).
 * Building the id from the same token keeps each acknowledgement exact: it silences that one
 * resource pattern on that one role, not every wildcard.
 */
const flatten = (value: unknown): string => {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    const join = node['Fn::Join'];
    if (Array.isArray(join)) {
      const [delimiter, items] = join as [string, unknown[]];
      return items.map(flatten).join(delimiter);
    }
    const getAtt = node['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${flatten(getAtt[0])}.${flatten(getAtt[1])}>`;
    if ('Ref' in node) return `<${flatten(node.Ref)}>`;
  }
  return JSON.stringify(value);
};

export const acknowledgeWildcardResource = (scope: IConstruct, resourceArn: string, reason: string): void =>
  Validations.of(scope).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(resourceArn))}]`,
    reason,
  });
