package io.pitr.emulator;

/**
 * Who a request acts as: an account's root user, or a role session the emulator issued.
 *
 * @param scope the account and region the request acts in
 * @param session the session whose key signed the request; null for an account's root
 */
record Caller(Scope scope, RoleSession session) {

  /** The ARN that GetCallerIdentity answers and AccessDenied messages name. */
  String arn() {
    return session != null
        ? session.assumedRoleArn()
        : "arn:" + scope.partition() + ":iam::" + scope.accountId() + ":root";
  }

  /** GetCallerIdentity's UserId: the account id for a root user, as live STS answers. */
  String userId() {
    return session != null ? session.assumedRoleId() : scope.accountId();
  }
}
