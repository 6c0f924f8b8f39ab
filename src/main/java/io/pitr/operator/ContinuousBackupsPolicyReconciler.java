package io.pitr.operator;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import org.jboss.logging.Logger;

/**
 * Reconciles ContinuousBackupsPolicy resources.
 *
 * <p>Foundation only: it watches the resources and acts on none of them yet. Planning, the AWS
 * gateway and status come with the reconciliation work (see the README's roadmap).
 */
@ControllerConfiguration(name = "continuousbackupspolicy")
public class ContinuousBackupsPolicyReconciler implements Reconciler<ContinuousBackupsPolicy> {

  private static final Logger LOG = Logger.getLogger(ContinuousBackupsPolicyReconciler.class);

  @Override
  public UpdateControl<ContinuousBackupsPolicy> reconcile(
      ContinuousBackupsPolicy policy, Context<ContinuousBackupsPolicy> context) {
    LOG.debugf(
        "Observed %s/%s for table %s (no action yet)",
        policy.getMetadata().getNamespace(),
        policy.getMetadata().getName(),
        policy.getSpec() == null ? null : policy.getSpec().getTableName());
    return UpdateControl.noUpdate();
  }
}
