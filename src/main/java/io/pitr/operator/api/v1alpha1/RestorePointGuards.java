package io.pitr.operator.api.v1alpha1;

/**
 * The CEL transition rules that keep a change from deleting restore points unconfirmed, shared by a
 * policy's spec and a policy set's template: both have pointInTimeRecoverySpecification,
 * deletionPolicy and acknowledgeRestorePointLoss, and a change to either is refused unless it sets
 * acknowledgeRestorePointLoss to a value the field did not have before.
 */
final class RestorePointGuards {

  private RestorePointGuards() {}

  /** The end of a transition rule: unless the change freshly acknowledges the loss. */
  private static final String OR_FRESHLY_ACKNOWLEDGED =
      " || has(self.acknowledgeRestorePointLoss)"
          + " && (!has(oldSelf.acknowledgeRestorePointLoss)"
          + " || self.acknowledgeRestorePointLoss != oldSelf.acknowledgeRestorePointLoss)";

  /** Turning point-in-time recovery off. */
  static final String TURN_OFF =
      "!(oldSelf.pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled"
          + " && !self.pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled)"
          + OR_FRESHLY_ACKNOWLEDGED;

  /** Shortening the recovery period (absent is DynamoDB's default, 35 days). */
  static final String SHORTEN =
      "!(oldSelf.pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled"
          + " && self.pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled"
          + " && (has(self.pointInTimeRecoverySpecification.recoveryPeriodInDays)"
          + " ? self.pointInTimeRecoverySpecification.recoveryPeriodInDays : 35)"
          + " < (has(oldSelf.pointInTimeRecoverySpecification.recoveryPeriodInDays)"
          + " ? oldSelf.pointInTimeRecoverySpecification.recoveryPeriodInDays : 35))"
          + OR_FRESHLY_ACKNOWLEDGED;

  /**
   * Setting deletionPolicy to Disable, on create too: a rule with optionalOldSelf, so oldSelf is an
   * optional.
   */
  static final String DISABLE_ON_DELETE =
      "!(has(self.deletionPolicy) && self.deletionPolicy == 'Disable'"
          + " && (!oldSelf.hasValue() || !has(oldSelf.value().deletionPolicy)"
          + " || oldSelf.value().deletionPolicy != 'Disable'))"
          + " || (oldSelf.hasValue()"
          + " ? has(self.acknowledgeRestorePointLoss)"
          + " && (!has(oldSelf.value().acknowledgeRestorePointLoss)"
          + " || self.acknowledgeRestorePointLoss != oldSelf.value().acknowledgeRestorePointLoss)"
          + " : has(self.acknowledgeRestorePointLoss))";
}
