package io.pitr.operator.pitr;

import java.util.Map;
import java.util.Optional;

/**
 * How the operator reaches a table's account: with its own AWS identity, or by assuming a role.
 *
 * @param accountId the account; empty for the operator's own when it is not configured
 * @param role the role to assume, if any
 */
public record AwsAccess(String accountId, Optional<AssumedRole> role) {

  /** The operator's own identity, in its own account (empty when unknown). */
  public static AwsAccess own(String accountId) {
    return new AwsAccess(accountId, Optional.empty());
  }

  /**
   * An STS AssumeRole request, made on behalf of one policy.
   *
   * @param roleArn the role
   * @param externalId the ExternalId its trust policy requires
   * @param durationSeconds the sessions' lifetime, if not STS's default
   * @param sessionName the role session name (CloudTrail shows it with every call)
   * @param sessionTags session tags, which the role's policies can condition on
   */
  public record AssumedRole(
      String roleArn,
      String externalId,
      Optional<Integer> durationSeconds,
      String sessionName,
      Map<String, String> sessionTags) {}
}
