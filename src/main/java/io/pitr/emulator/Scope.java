package io.pitr.emulator;

/**
 * The account and region a request acts in: DynamoDB keeps tables per account and per region.
 *
 * @param accountId 12-digit AWS account id
 * @param region region name, for example {@code eu-west-1}
 */
public record Scope(String accountId, String region) {

  /** The ARN partition of the region: aws, aws-cn or aws-us-gov. */
  public String partition() {
    if (region.startsWith("cn-")) {
      return "aws-cn";
    }
    return region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  }

  /** The ARN of a table of this account and region. */
  public String tableArn(String tableName) {
    return "arn:" + partition() + ":dynamodb:" + region + ":" + accountId + ":table/" + tableName;
  }
}
