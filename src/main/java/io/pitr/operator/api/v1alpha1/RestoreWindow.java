package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/**
 * How far back the table can be restored, in values that stay true between observations: since when
 * point-in-time recovery has been on, and when its restore points will reach back a whole recovery
 * period.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RestoreWindow {

  @JsonPropertyDescription(
      "Since when point-in-time recovery has been on without interruption (RFC 3339), as far as"
          + " the restore points show: the earliest restorable time when the operator first saw it"
          + " on (it may have been on longer), kept across drift checks, reset when it is turned"
          + " off and on again.")
  private String protectedSince;

  @JsonPropertyDescription(
      "While the restore points reach back less than the recovery period (after point-in-time"
          + " recovery was turned on again, or the period lengthened): when they will reach back"
          + " the whole period (RFC 3339). Absent once they do.")
  private String fullPeriodAt;

  public RestoreWindow() {}

  public RestoreWindow(String protectedSince, String fullPeriodAt) {
    this.protectedSince = protectedSince;
    this.fullPeriodAt = fullPeriodAt;
  }

  public String getProtectedSince() {
    return protectedSince;
  }

  public void setProtectedSince(String protectedSince) {
    this.protectedSince = protectedSince;
  }

  public String getFullPeriodAt() {
    return fullPeriodAt;
  }

  public void setFullPeriodAt(String fullPeriodAt) {
    this.fullPeriodAt = fullPeriodAt;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof RestoreWindow that
        && Objects.equals(protectedSince, that.protectedSince)
        && Objects.equals(fullPeriodAt, that.fullPeriodAt);
  }

  @Override
  public int hashCode() {
    return Objects.hash(protectedSince, fullPeriodAt);
  }
}
