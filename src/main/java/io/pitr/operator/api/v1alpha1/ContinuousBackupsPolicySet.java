package io.pitr.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Declares the point-in-time recovery of every table of an account's region that a selector picks,
 * tables created later included, through one generated ContinuousBackupsPolicy per table.
 */
@Group(ContinuousBackupsPolicy.GROUP)
@Version(ContinuousBackupsPolicy.VERSION)
@ShortNames({"cbps", "pitrpolicyset"})
@ValidationRule(
    value = "self.metadata.name.size() <= 63",
    message =
        "metadata.name: a set's name has at most 63 characters, as its generated policies carry it"
            + " in a label",
    reason = "FieldValueInvalid")
@AdditionalPrinterColumn(
    name = "Region",
    jsonPath = ".status.region",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Selected",
    jsonPath = ".status.selected",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "In Sync",
    jsonPath = ".status.ready",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Failing",
    jsonPath = ".status.failing",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Excluded",
    jsonPath = ".status.excluded",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class ContinuousBackupsPolicySet
    extends CustomResource<ContinuousBackupsPolicySetSpec, ContinuousBackupsPolicySetStatus>
    implements Namespaced {

  /** Required, so that no client can remove it past the template's rules. */
  @Override
  @Required
  public ContinuousBackupsPolicySetSpec getSpec() {
    return super.getSpec();
  }

  /**
   * Defaulted by the API server to an observedGeneration of -1 until the operator writes status, so
   * that a new set reads as in progress to kstatus (Helm 4's --wait, Flux), as a new policy does.
   */
  @Override
  @Default("{\"observedGeneration\":-1}")
  public ContinuousBackupsPolicySetStatus getStatus() {
    return super.getStatus();
  }
}
