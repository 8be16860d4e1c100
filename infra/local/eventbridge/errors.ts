/**
 * Errors the local EventBridge answers with. `type` becomes the JSON body's `__type`,
 * which the AWS SDK turns into the error's `name` (e.g. InvalidEventPatternException).
 */
export class EventBridgeApiError extends Error {
  override readonly name = 'EventBridgeApiError';

  constructor(
    readonly type: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
  }
}

export const validationError = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('ValidationException', message);

export const resourceNotFound = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('ResourceNotFoundException', message);

export const resourceAlreadyExists = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('ResourceAlreadyExistsException', message);

export const invalidEventPattern = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('InvalidEventPatternException', message);

export const limitExceeded = (message: string): EventBridgeApiError =>
  new EventBridgeApiError('LimitExceededException', message);
