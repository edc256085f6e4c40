/**
 * Tag on the stack's blue and green ACLs that records the protected subnets' original ACL.
 * Stack deletion reads it to move subnets back; the stack's IAM policy names it too.
 */
export const ORIGINAL_ACL_TAG = 'nacl-flood-guard:original-acl';
