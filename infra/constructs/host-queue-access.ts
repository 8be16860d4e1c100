import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import { ArnPrincipal, CompositePrincipal, PolicyDocument, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { GpuhiveFunction } from './gpuhive-function.ts';
import { acknowledgeWildcardResource } from './nag.ts';

/** Creating a host's queue at registration and deleting it at deregistration. */
export const HOST_QUEUE_MANAGE_ACTIONS = [
  'sqs:CreateQueue',
  'sqs:DeleteQueue',
  'sqs:GetQueueUrl',
  'sqs:GetQueueAttributes',
  'sqs:SetQueueAttributes',
  'sqs:TagQueue',
] as const;

/** Matching's sends: assignments and cancels to a host's queue. */
export const HOST_QUEUE_SEND_ACTIONS = ['sqs:GetQueueUrl', 'sqs:SendMessage'] as const;

/** Reading a host's queue on its agent's behalf (the API's long poll and ack). */
export const HOST_QUEUE_POLL_ACTIONS = ['sqs:GetQueueUrl', 'sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'] as const;

/** All an agent may do on its own queue: long-poll, acknowledge, extend a lease. */
export const AGENT_QUEUE_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:ChangeMessageVisibility'] as const;

export interface HostQueueAccessProps {
  /** `gpuhive-<stage>-host-`: every host queue's name starts with it. */
  readonly queueNamePrefix: string;
}

/**
 * Host queues are created at run time, one per registered host, so IAM can only name them by
 * their prefix. This construct owns that pattern, the grants on it, and the role that agents'
 * short-lived queue credentials are vended from.
 */
export class HostQueueAccess extends Construct {
  readonly queueNamePrefix: string;
  readonly queueArnPattern: string;

  constructor(scope: Construct, id: string, props: HostQueueAccessProps) {
    super(scope, id);
    this.queueNamePrefix = props.queueNamePrefix;
    this.queueArnPattern = Stack.of(this).formatArn({
      service: 'sqs',
      resource: `${props.queueNamePrefix}*`,
      arnFormat: ArnFormat.NO_RESOURCE_NAME,
    });
  }

  /** For the registry functions that create and delete host queues. */
  grantManage(fn: GpuhiveFunction): void {
    this.grant(fn, HOST_QUEUE_MANAGE_ACTIONS);
  }

  /** For the functions that send assignments and cancels to hosts. */
  grantSend(fn: GpuhiveFunction): void {
    this.grant(fn, HOST_QUEUE_SEND_ACTIONS);
  }

  /** For the functions that read host queues for an agent. */
  grantPoll(fn: GpuhiveFunction): void {
    this.grant(fn, HOST_QUEUE_POLL_ACTIONS);
  }

  private grant(fn: GpuhiveFunction, actions: readonly string[]): void {
    fn.addToRolePolicy(new PolicyStatement({ actions: [...actions], resources: [this.queueArnPattern] }));
    acknowledgeWildcardResource(
      fn.executionRole,
      this.queueArnPattern,
      `Host queues are created at run time, one per host; the ${this.queueNamePrefix} prefix is the narrowest name IAM can know in advance.`,
    );
  }

  /**
   * The role agents' queue credentials come from. Only the vending functions may assume it,
   * it allows only the agent's three actions, and the vendor narrows each session to one
   * host's queue with a session policy (shared/registry/adapters/queue-credentials.ts).
   */
  createAgentQueueRole(vendors: readonly GpuhiveFunction[]): Role {
    const principals = vendors.map((fn) => new ArnPrincipal(fn.executionRole.roleArn));
    const [only] = principals;
    if (!only) throw new Error('The agent queue role needs at least one function allowed to assume it');
    const role = new Role(this, 'AgentQueueRole', {
      assumedBy: principals.length === 1 ? only : new CompositePrincipal(...principals),
      description: 'Vended to agents, narrowed per session to one host queue',
      // Assumed from a Lambda role: role chaining caps sessions at one hour anyway.
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        HostQueues: new PolicyDocument({
          statements: [new PolicyStatement({ actions: [...AGENT_QUEUE_ACTIONS], resources: [this.queueArnPattern] })],
        }),
      },
    });
    for (const fn of vendors) role.grantAssumeRole(fn.executionRole);
    acknowledgeWildcardResource(
      role,
      this.queueArnPattern,
      'The role covers every host queue by prefix; each vended session carries a session policy naming that host\'s one queue.',
    );
    return role;
  }
}
