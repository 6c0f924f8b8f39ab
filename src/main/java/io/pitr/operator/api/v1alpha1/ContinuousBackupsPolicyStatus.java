package io.pitr.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What the operator last observed of the table's point-in-time recovery, and its conditions. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ContinuousBackupsPolicyStatus {

  @JsonPropertyDescription(
      "The metadata.generation of the spec this status describes. While it is lower than"
          + " metadata.generation, the operator has not yet acted on the latest spec.")
  private Long observedGeneration;

  @JsonPropertyDescription("ARN of the table, once the operator has found it.")
  private String tableArn;

  @JsonPropertyDescription(
      "The region the operator manages the table in: spec.region, or the operator's default"
          + " region when the policy was first applied. Kept when the default changes later, so"
          + " that a policy is never pointed at a table in another region; to manage the table of"
          + " another region, create a policy with spec.region.")
  private String region;

  @JsonPropertyDescription(
      "With tenancy on: the AWS account the operator manages the table in, that of the policy's"
          + " account binding. Kept, so that a policy is never pointed at a table of another"
          + " account when bindings change or tenancy is turned off.")
  private String accountId;

  @JsonPropertyDescription(
      "The DynamoDbAccountBinding the policy was last permitted through, with tenancy on.")
  private String accountBinding;

  @JsonPropertyDescription(
      "The last value of the annotation dynamodb.pitr.io/reconcile-requested-at the operator acted"
          + " on: setting the annotation to a new value asks for a reconciliation now.")
  private String lastHandledReconcileAt;

  @JsonPropertyDescription(
      "The table's continuous backups as DynamoDB last reported them (UpdateContinuousBackups or"
          + " DescribeContinuousBackups), at lastSyncTime.")
  private ContinuousBackupsDescription continuousBackupsDescription;

  @JsonPropertyDescription(
      "When the operator last changed or refreshed continuousBackupsDescription (RFC 3339)."
          + " Drift checks that find nothing new do not move it.")
  private String lastSyncTime;

  @JsonPropertyDescription(
      "Since when point-in-time recovery has been on without interruption, and, while its"
          + " restore points reach back less than the recovery period, when they will.")
  private RestoreWindow restoreWindow;

  @JsonPropertyDescription(
      "The value of spec.acknowledgeRestorePointLoss the operator has used up: it deleted"
          + " restore points under it, or the spec that carried it was applied. A table whose"
          + " restore points the spec would delete needs a value other than this one.")
  private String restorePointLossAcknowledged;

  @JsonPropertyDescription(
      "Ready is True when DynamoDB matches the spec of observedGeneration. Reconciling is present"
          + " while the operator is working towards the spec, Stalled while it cannot get there"
          + " without a change from you; reason and message say why.")
  private List<Condition> conditions = new ArrayList<>();

  public String getRegion() {
    return region;
  }

  public void setRegion(String region) {
    this.region = region;
  }

  public String getAccountId() {
    return accountId;
  }

  public void setAccountId(String accountId) {
    this.accountId = accountId;
  }

  public String getAccountBinding() {
    return accountBinding;
  }

  public void setAccountBinding(String accountBinding) {
    this.accountBinding = accountBinding;
  }

  public String getLastHandledReconcileAt() {
    return lastHandledReconcileAt;
  }

  public void setLastHandledReconcileAt(String lastHandledReconcileAt) {
    this.lastHandledReconcileAt = lastHandledReconcileAt;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public String getTableArn() {
    return tableArn;
  }

  public void setTableArn(String tableArn) {
    this.tableArn = tableArn;
  }

  public ContinuousBackupsDescription getContinuousBackupsDescription() {
    return continuousBackupsDescription;
  }

  public void setContinuousBackupsDescription(
      ContinuousBackupsDescription continuousBackupsDescription) {
    this.continuousBackupsDescription = continuousBackupsDescription;
  }

  public String getLastSyncTime() {
    return lastSyncTime;
  }

  public void setLastSyncTime(String lastSyncTime) {
    this.lastSyncTime = lastSyncTime;
  }

  public RestoreWindow getRestoreWindow() {
    return restoreWindow;
  }

  public void setRestoreWindow(RestoreWindow restoreWindow) {
    this.restoreWindow = restoreWindow;
  }

  public String getRestorePointLossAcknowledged() {
    return restorePointLossAcknowledged;
  }

  public void setRestorePointLossAcknowledged(String restorePointLossAcknowledged) {
    this.restorePointLossAcknowledged = restorePointLossAcknowledged;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ContinuousBackupsPolicyStatus that
        && Objects.equals(observedGeneration, that.observedGeneration)
        && Objects.equals(tableArn, that.tableArn)
        && Objects.equals(region, that.region)
        && Objects.equals(accountId, that.accountId)
        && Objects.equals(accountBinding, that.accountBinding)
        && Objects.equals(lastHandledReconcileAt, that.lastHandledReconcileAt)
        && Objects.equals(continuousBackupsDescription, that.continuousBackupsDescription)
        && Objects.equals(lastSyncTime, that.lastSyncTime)
        && Objects.equals(restoreWindow, that.restoreWindow)
        && Objects.equals(restorePointLossAcknowledged, that.restorePointLossAcknowledged)
        && Objects.equals(conditions, that.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        tableArn,
        region,
        accountId,
        accountBinding,
        lastHandledReconcileAt,
        continuousBackupsDescription,
        lastSyncTime,
        restoreWindow,
        restorePointLossAcknowledged,
        conditions);
  }
}
