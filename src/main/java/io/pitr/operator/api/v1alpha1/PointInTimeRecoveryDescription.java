package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** DynamoDB's PointInTimeRecoveryDescription: the setting and the restorable window. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PointInTimeRecoveryDescription {

  @JsonPropertyDescription("ENABLED or DISABLED.")
  private String pointInTimeRecoveryStatus;

  @JsonPropertyDescription("Days of restore points kept; present only while ENABLED.")
  private Integer recoveryPeriodInDays;

  @JsonPropertyDescription(
      "Earliest point in time the table can be restored to (RFC 3339); present only while"
          + " ENABLED.")
  private String earliestRestorableDateTime;

  @JsonPropertyDescription(
      "Latest point in time the table can be restored to (RFC 3339), typically five minutes"
          + " before lastSyncTime; present only while ENABLED.")
  private String latestRestorableDateTime;

  public PointInTimeRecoveryDescription() {}

  public PointInTimeRecoveryDescription(
      String pointInTimeRecoveryStatus,
      Integer recoveryPeriodInDays,
      String earliestRestorableDateTime,
      String latestRestorableDateTime) {
    this.pointInTimeRecoveryStatus = pointInTimeRecoveryStatus;
    this.recoveryPeriodInDays = recoveryPeriodInDays;
    this.earliestRestorableDateTime = earliestRestorableDateTime;
    this.latestRestorableDateTime = latestRestorableDateTime;
  }

  public String getPointInTimeRecoveryStatus() {
    return pointInTimeRecoveryStatus;
  }

  public void setPointInTimeRecoveryStatus(String pointInTimeRecoveryStatus) {
    this.pointInTimeRecoveryStatus = pointInTimeRecoveryStatus;
  }

  public Integer getRecoveryPeriodInDays() {
    return recoveryPeriodInDays;
  }

  public void setRecoveryPeriodInDays(Integer recoveryPeriodInDays) {
    this.recoveryPeriodInDays = recoveryPeriodInDays;
  }

  public String getEarliestRestorableDateTime() {
    return earliestRestorableDateTime;
  }

  public void setEarliestRestorableDateTime(String earliestRestorableDateTime) {
    this.earliestRestorableDateTime = earliestRestorableDateTime;
  }

  public String getLatestRestorableDateTime() {
    return latestRestorableDateTime;
  }

  public void setLatestRestorableDateTime(String latestRestorableDateTime) {
    this.latestRestorableDateTime = latestRestorableDateTime;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PointInTimeRecoveryDescription that
        && Objects.equals(pointInTimeRecoveryStatus, that.pointInTimeRecoveryStatus)
        && Objects.equals(recoveryPeriodInDays, that.recoveryPeriodInDays)
        && Objects.equals(earliestRestorableDateTime, that.earliestRestorableDateTime)
        && Objects.equals(latestRestorableDateTime, that.latestRestorableDateTime);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        pointInTimeRecoveryStatus,
        recoveryPeriodInDays,
        earliestRestorableDateTime,
        latestRestorableDateTime);
  }
}
