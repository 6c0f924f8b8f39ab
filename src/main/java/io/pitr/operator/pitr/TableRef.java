package io.pitr.operator.pitr;

/**
 * A DynamoDB table by account, region and name.
 *
 * @param accountId the AWS account, as bound; empty for the operator's own account when it is not
 *     configured
 * @param region the AWS region
 * @param tableName the table's name
 */
public record TableRef(String accountId, String region, String tableName) {

  /** A table of the operator's own account. */
  public TableRef(String region, String tableName) {
    this("", region, tableName);
  }

  /** The account and region, which DynamoDB's limits and names are scoped to. */
  public String scope() {
    return accountId.isEmpty() ? region : accountId + "/" + region;
  }

  @Override
  public String toString() {
    return tableName + " in " + region + (accountId.isEmpty() ? "" : " of account " + accountId);
  }
}
