package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** A table a policy set selects but generates no policy for, and why. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExcludedTable {

  @JsonPropertyDescription("The table's name.")
  private String tableName;

  @JsonPropertyDescription(
      "Why: ManagedByPolicy (a ContinuousBackupsPolicy written for it, which wins over any set),"
          + " SelectedByOlderSet (an older set selects it too), NotPermitted (tenancy).")
  private String reason;

  @JsonPropertyDescription("What manages it instead (namespace/name), or what refuses it.")
  private String message;

  public ExcludedTable() {}

  public ExcludedTable(String tableName, String reason, String message) {
    this.tableName = tableName;
    this.reason = reason;
    this.message = message;
  }

  public String getTableName() {
    return tableName;
  }

  public void setTableName(String tableName) {
    this.tableName = tableName;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ExcludedTable that
        && Objects.equals(tableName, that.tableName)
        && Objects.equals(reason, that.reason)
        && Objects.equals(message, that.message);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tableName, reason, message);
  }
}
