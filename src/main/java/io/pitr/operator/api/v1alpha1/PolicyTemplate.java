package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The settings a policy set gives each ContinuousBackupsPolicy it generates: a policy's spec
 * without its table.
 */
@ValidationRule(
    value = RestorePointGuards.TURN_OFF,
    message =
        "turning point-in-time recovery off deletes the restore points of every table the set"
            + " selects: to confirm, set spec.template.acknowledgeRestorePointLoss to a new value in"
            + " the same change",
    fieldPath = ".acknowledgeRestorePointLoss",
    reason = "FieldValueRequired")
@ValidationRule(
    value = RestorePointGuards.SHORTEN,
    message =
        "shortening recoveryPeriodInDays deletes the older restore points of every table the set"
            + " selects: to confirm, set spec.template.acknowledgeRestorePointLoss to a new value in"
            + " the same change",
    fieldPath = ".acknowledgeRestorePointLoss",
    reason = "FieldValueRequired")
@ValidationRule(
    value = RestorePointGuards.DISABLE_ON_DELETE,
    optionalOldSelf = true,
    message =
        "deletionPolicy Disable turns point-in-time recovery off when a generated policy is"
            + " deleted (its table no longer selected, or the set deleted), which deletes the"
            + " table's restore points: to confirm, set spec.template.acknowledgeRestorePointLoss"
            + " to a new value in the same change",
    fieldPath = ".acknowledgeRestorePointLoss",
    reason = "FieldValueRequired")
public class PolicyTemplate {

  @Required
  @JsonPropertyDescription(
      "Point-in-time recovery settings to enforce on every selected table, with the field names"
          + " of DynamoDB's UpdateContinuousBackups API.")
  private PointInTimeRecoverySpecification pointInTimeRecoverySpecification;

  @Default("Enforce")
  @JsonPropertyDescription(
      "Enforce (default) makes each selected table match the template and sets it back when it"
          + " drifts. Observe never writes to AWS: each generated policy reports whether its table"
          + " complies (its Compliant condition, Events, the pitr_policy_compliant metric).")
  private ManagementMode managementMode;

  @Size(min = 1, max = 256)
  @Pattern("\\S")
  @JsonPropertyDescription(
      "Confirms a change that deletes restore points of the selected tables: turning"
          + " point-in-time recovery off, shortening recoveryPeriodInDays, or setting"
          + " deletionPolicy to Disable. The API server refuses such a change unless it sets this"
          + " field to a value other than the one it had. Copied to each generated policy, where it"
          + " also confirms such a change on a table that joins the set later.")
  private String acknowledgeRestorePointLoss;

  @Default("Retain")
  @JsonPropertyDescription(
      "What happens when a generated policy is deleted: when its table is no longer selected, or"
          + " the set is deleted. Retain (default) leaves the table's point-in-time recovery as it"
          + " is and makes no AWS call; Disable turns it off first, which deletes the table's"
          + " restore points.")
  private DeletionPolicy deletionPolicy;

  public PointInTimeRecoverySpecification getPointInTimeRecoverySpecification() {
    return pointInTimeRecoverySpecification;
  }

  public void setPointInTimeRecoverySpecification(
      PointInTimeRecoverySpecification pointInTimeRecoverySpecification) {
    this.pointInTimeRecoverySpecification = pointInTimeRecoverySpecification;
  }

  public ManagementMode getManagementMode() {
    return managementMode;
  }

  public void setManagementMode(ManagementMode managementMode) {
    this.managementMode = managementMode;
  }

  public String getAcknowledgeRestorePointLoss() {
    return acknowledgeRestorePointLoss;
  }

  public void setAcknowledgeRestorePointLoss(String acknowledgeRestorePointLoss) {
    this.acknowledgeRestorePointLoss = acknowledgeRestorePointLoss;
  }

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }
}
