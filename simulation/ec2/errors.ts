import { EC2ServiceException } from '@aws-sdk/client-ec2';

/** An EC2 error as the SDK raises it: `name` is the EC2 error code. */
export function ec2Error(code: string, message: string, status = 400): EC2ServiceException {
  return new EC2ServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: 1, totalRetryDelay: 0 },
    message,
  });
}
