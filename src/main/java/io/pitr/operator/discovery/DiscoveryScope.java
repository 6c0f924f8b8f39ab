package io.pitr.operator.discovery;

import io.pitr.operator.pitr.AwsAccess;

/**
 * The tables of one account's region, as reached one way: discovery lists them once however many
 * policy sets select from them.
 *
 * @param access the account and how to reach it (the operator's own identity, or a role)
 * @param region the AWS region
 */
public record DiscoveryScope(AwsAccess access, String region) {

  /** The account and region, which DynamoDB's limits and names are scoped to. */
  public String scope() {
    return access.accountId().isEmpty() ? region : access.accountId() + "/" + region;
  }

  @Override
  public String toString() {
    return "region "
        + region
        + (access.accountId().isEmpty() ? "" : " of account " + access.accountId());
  }
}
