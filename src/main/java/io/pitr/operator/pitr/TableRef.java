package io.pitr.operator.pitr;

/**
 * A DynamoDB table by region and name.
 *
 * @param region the AWS region
 * @param tableName the table's name
 */
public record TableRef(String region, String tableName) {

  @Override
  public String toString() {
    return tableName + " in " + region;
  }
}
