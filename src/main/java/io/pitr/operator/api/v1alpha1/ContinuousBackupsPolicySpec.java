package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

/** The desired point-in-time recovery setting of one DynamoDB table. */
@ValidationRule(
    value = "self.tableName == oldSelf.tableName",
    message = "tableName is immutable: create another policy for another table",
    fieldPath = ".tableName",
    reason = "FieldValueForbidden")
@ValidationRule(
    value =
        "has(self.region) == has(oldSelf.region)"
            + " && (!has(self.region) || self.region == oldSelf.region)",
    message = "region is immutable: create another policy for a table in another region",
    fieldPath = ".region",
    reason = "FieldValueForbidden")
@ValidationRule(
    value = RestorePointGuards.TURN_OFF,
    message =
        "turning point-in-time recovery off deletes the table's restore points: to confirm, set"
            + " spec.acknowledgeRestorePointLoss to a new value in the same change",
    fieldPath = ".acknowledgeRestorePointLoss",
    reason = "FieldValueRequired")
@ValidationRule(
    value = RestorePointGuards.SHORTEN,
    message =
        "shortening recoveryPeriodInDays deletes the table's older restore points: to confirm,"
            + " set spec.acknowledgeRestorePointLoss to a new value in the same change",
    fieldPath = ".acknowledgeRestorePointLoss",
    reason = "FieldValueRequired")
@ValidationRule(
    value = RestorePointGuards.DISABLE_ON_DELETE,
    optionalOldSelf = true,
    message =
        "deletionPolicy Disable turns point-in-time recovery off when the policy is deleted,"
            + " which deletes the table's restore points: to confirm, set"
            + " spec.acknowledgeRestorePointLoss to a new value in the same change",
    fieldPath = ".acknowledgeRestorePointLoss",
    reason = "FieldValueRequired")
public class ContinuousBackupsPolicySpec {

  @Required
  @Size(min = 3, max = 255)
  @Pattern("^[a-zA-Z0-9_.-]+$")
  @JsonPropertyDescription(
      "Name of the existing DynamoDB table whose point-in-time recovery this policy manages:"
          + " 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'. Immutable. The operator"
          + " never creates or deletes the table.")
  private String tableName;

  @Size(max = 32)
  @Pattern("^[a-z]{2}(-[a-z]+)+-[0-9]+$")
  @JsonPropertyDescription(
      "AWS region of the table, for example eu-west-1. Defaults to the operator's configured"
          + " region. Immutable.")
  private String region;

  @Size(max = 253)
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription(
      "With tenancy on: the name of the DynamoDbAccountBinding (cluster-scoped, owned by the"
          + " cluster's administrators) through which this policy reaches its table's account. It"
          + " must apply to this policy's namespace and allow the table and region. Omit it to use"
          + " the one binding that does. With tenancy off, leave it unset.")
  private String accountBinding;

  @Required
  @JsonPropertyDescription(
      "Point-in-time recovery settings to enforce on the table, with the field names of"
          + " DynamoDB's UpdateContinuousBackups API.")
  private PointInTimeRecoverySpecification pointInTimeRecoverySpecification;

  @Default("Enforce")
  @JsonPropertyDescription(
      "Enforce (default) makes the table match this spec and sets it back when it drifts."
          + " Observe never writes to AWS, not even when the policy is deleted: the operator"
          + " reads the table and reports, in status (the Compliant condition), Events and the"
          + " pitr_policy_compliant metric, whether it complies with this spec.")
  private ManagementMode managementMode;

  @Size(min = 1, max = 256)
  @Pattern("\\S")
  @JsonPropertyDescription(
      "Confirms a change that deletes restore points: turning point-in-time recovery off,"
          + " shortening recoveryPeriodInDays, or setting deletionPolicy to Disable. The API"
          + " server refuses such a change unless it sets this field to a value other than the one it"
          + " had, so that an old confirmation never covers a new loss. Any text: a change"
          + " ticket, a date, a reason. The operator also asks for a new value before it turns"
          + " point-in-time recovery off or shortens it on a table where that deletes restore"
          + " points it did not know of at admission (a new policy, a table changed outside the"
          + " operator, a switch from Observe to Enforce).")
  private String acknowledgeRestorePointLoss;

  @Default("Retain")
  @JsonPropertyDescription(
      "What happens when this policy is deleted. Retain (default) leaves the table's"
          + " point-in-time recovery as it is and makes no AWS call; Disable turns it off first,"
          + " which deletes the table's restore points.")
  private DeletionPolicy deletionPolicy;

  public String getTableName() {
    return tableName;
  }

  public void setTableName(String tableName) {
    this.tableName = tableName;
  }

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getAccountBinding() {
    return accountBinding;
  }

  public void setAccountBinding(String accountBinding) {
    this.accountBinding = accountBinding;
  }

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

  /** Whether the operator only observes: an absent mode (a policy stored before it) enforces. */
  public boolean observeOnly() {
    return managementMode == ManagementMode.Observe;
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
