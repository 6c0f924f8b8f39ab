package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** DynamoDB's ContinuousBackupsDescription, as UpdateContinuousBackups returns it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContinuousBackupsDescription {

  @JsonPropertyDescription(
      "ENABLED once DynamoDB's continuous backups are available for the table (shortly after it"
          + " is created), else DISABLED. This is not the point-in-time recovery setting.")
  private String continuousBackupsStatus;

  @JsonPropertyDescription("The table's point-in-time recovery as DynamoDB reports it.")
  private PointInTimeRecoveryDescription pointInTimeRecoveryDescription;

  public ContinuousBackupsDescription() {}

  public ContinuousBackupsDescription(
      String continuousBackupsStatus, PointInTimeRecoveryDescription pointInTimeRecovery) {
    this.continuousBackupsStatus = continuousBackupsStatus;
    this.pointInTimeRecoveryDescription = pointInTimeRecovery;
  }

  public String getContinuousBackupsStatus() {
    return continuousBackupsStatus;
  }

  public void setContinuousBackupsStatus(String continuousBackupsStatus) {
    this.continuousBackupsStatus = continuousBackupsStatus;
  }

  public PointInTimeRecoveryDescription getPointInTimeRecoveryDescription() {
    return pointInTimeRecoveryDescription;
  }

  public void setPointInTimeRecoveryDescription(
      PointInTimeRecoveryDescription pointInTimeRecoveryDescription) {
    this.pointInTimeRecoveryDescription = pointInTimeRecoveryDescription;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ContinuousBackupsDescription that
        && Objects.equals(continuousBackupsStatus, that.continuousBackupsStatus)
        && Objects.equals(pointInTimeRecoveryDescription, that.pointInTimeRecoveryDescription);
  }

  @Override
  public int hashCode() {
    return Objects.hash(continuousBackupsStatus, pointInTimeRecoveryDescription);
  }
}
