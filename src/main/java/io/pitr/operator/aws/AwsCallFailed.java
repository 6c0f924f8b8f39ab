package io.pitr.operator.aws;

import io.pitr.operator.pitr.ConditionReason;

/**
 * A DynamoDB call that did not succeed, already classified: the condition reason it maps to and a
 * short message fit for a condition (no credentials, bounded length).
 */
public final class AwsCallFailed extends Exception {

  private final ConditionReason reason;

  public AwsCallFailed(ConditionReason reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public ConditionReason reason() {
    return reason;
  }
}
