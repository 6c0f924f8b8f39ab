package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/** The desired point-in-time recovery setting of one DynamoDB table. */
public class ContinuousBackupsPolicySpec {

  @Required
  @Size(min = 3, max = 255)
  @Pattern("^[a-zA-Z0-9_.-]+$")
  @JsonPropertyDescription(
      "Name of the existing DynamoDB table whose point-in-time recovery this policy manages."
          + " 3 to 255 characters of a-z, A-Z, 0-9, '_', '-' and '.'. The operator never creates"
          + " or deletes the table.")
  private String tableName;

  @Required
  @JsonPropertyDescription(
      "Point-in-time recovery settings to enforce on the table, with the same field names as"
          + " DynamoDB's UpdateContinuousBackups API.")
  private PointInTimeRecoverySpecification pointInTimeRecoverySpecification;

  public String getTableName() {
    return tableName;
  }

  public void setTableName(String tableName) {
    this.tableName = tableName;
  }

  public PointInTimeRecoverySpecification getPointInTimeRecoverySpecification() {
    return pointInTimeRecoverySpecification;
  }

  public void setPointInTimeRecoverySpecification(
      PointInTimeRecoverySpecification pointInTimeRecoverySpecification) {
    this.pointInTimeRecoverySpecification = pointInTimeRecoverySpecification;
  }
}
