package io.pitr.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Declares the point-in-time recovery setting of one DynamoDB table. */
@Group(ContinuousBackupsPolicy.GROUP)
@Version(ContinuousBackupsPolicy.VERSION)
@ShortNames({"cbp", "pitrpolicy"})
@AdditionalPrinterColumn(
    name = "Table",
    jsonPath = ".spec.tableName",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Region",
    jsonPath = ".spec.region",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Account",
    jsonPath = ".status.accountId",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "PITR",
    jsonPath =
        ".status.continuousBackupsDescription.pointInTimeRecoveryDescription"
            + ".pointInTimeRecoveryStatus",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Period",
    jsonPath =
        ".status.continuousBackupsDescription.pointInTimeRecoveryDescription.recoveryPeriodInDays",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Protected",
    jsonPath = ".status.restoreWindow.protectedSince",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Full Period At",
    jsonPath = ".status.restoreWindow.fullPeriodAt",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Mode",
    jsonPath = ".spec.managementMode",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Compliant",
    jsonPath = ".status.conditions[?(@.type==\"Compliant\")].status",
    type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ContinuousBackupsPolicy
    extends CustomResource<ContinuousBackupsPolicySpec, ContinuousBackupsPolicyStatus>
    implements Namespaced {

  public static final String GROUP = "dynamodb.pitr.io";
  public static final String VERSION = "v1alpha1";

  /**
   * Required, so that no client can remove it (a merge patch {@code {"spec": null}}): the rules
   * that guard the spec (tableName and region immutable, restore-point loss acknowledged) only hold
   * between two specs.
   */
  @Override
  @Required
  public ContinuousBackupsPolicySpec getSpec() {
    return super.getSpec();
  }

  /**
   * Defaulted by the API server to an observedGeneration of -1 until the operator writes status, so
   * that a policy nobody has acted on yet reads as in progress, not as done, to every client that
   * judges it by its status (kstatus, so Helm 4's --wait, Argo CD, Flux). Without it, a policy
   * without status and without conditions is Current to kstatus the moment it is created.
   */
  @Override
  @Default("{\"observedGeneration\":-1}")
  public ContinuousBackupsPolicyStatus getStatus() {
    return super.getStatus();
  }
}
