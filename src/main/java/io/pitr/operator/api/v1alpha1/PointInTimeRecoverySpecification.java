package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** Whether point-in-time recovery is on, and for how many days restore points are kept. */
@ValidationRule(
    value = "self.pointInTimeRecoveryEnabled || !has(self.recoveryPeriodInDays)",
    message =
        "recoveryPeriodInDays must not be set when pointInTimeRecoveryEnabled is false:"
            + " DynamoDB keeps no restore points then",
    fieldPath = ".recoveryPeriodInDays",
    reason = "FieldValueForbidden")
public class PointInTimeRecoverySpecification {

  /** DynamoDB's bounds for RecoveryPeriodInDays; the maximum is also its default. */
  public static final int MIN_RECOVERY_PERIOD_DAYS = 1;

  public static final int MAX_RECOVERY_PERIOD_DAYS = 35;

  @Required
  @JsonPropertyDescription(
      "true turns point-in-time recovery on for the table; false turns it off, which deletes"
          + " the table's restore points.")
  private Boolean pointInTimeRecoveryEnabled;

  @Min(MIN_RECOVERY_PERIOD_DAYS)
  @Max(MAX_RECOVERY_PERIOD_DAYS)
  @JsonPropertyDescription(
      "Number of days, from 1 to 35, for which restore points are kept. Defaults to 35 when"
          + " point-in-time recovery is enabled; must be omitted when it is disabled.")
  private Integer recoveryPeriodInDays;

  public Boolean getPointInTimeRecoveryEnabled() {
    return pointInTimeRecoveryEnabled;
  }

  public void setPointInTimeRecoveryEnabled(Boolean pointInTimeRecoveryEnabled) {
    this.pointInTimeRecoveryEnabled = pointInTimeRecoveryEnabled;
  }

  public Integer getRecoveryPeriodInDays() {
    return recoveryPeriodInDays;
  }

  public void setRecoveryPeriodInDays(Integer recoveryPeriodInDays) {
    this.recoveryPeriodInDays = recoveryPeriodInDays;
  }
}
