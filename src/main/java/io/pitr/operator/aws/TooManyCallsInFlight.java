package io.pitr.operator.aws;

/**
 * No call was made: as many calls to the region as allowed are still waiting for DynamoDB's answer
 * (a slow or hanging region), so that they cannot take every reconciliation thread.
 */
public final class TooManyCallsInFlight extends RuntimeException {

  public TooManyCallsInFlight(String region, int limit) {
    super(
        limit + " calls to DynamoDB in " + region + " are still waiting for an answer",
        null,
        false,
        false);
  }
}
