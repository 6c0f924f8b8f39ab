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

  public DeletionPolicy getDeletionPolicy() {
    return deletionPolicy;
  }

  public void setDeletionPolicy(DeletionPolicy deletionPolicy) {
    this.deletionPolicy = deletionPolicy;
  }
}
