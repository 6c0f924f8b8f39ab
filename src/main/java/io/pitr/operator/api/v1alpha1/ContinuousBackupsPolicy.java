package io.pitr.operator.api.v1alpha1;

import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Declares the point-in-time recovery setting of one DynamoDB table. */
@Group(ContinuousBackupsPolicy.GROUP)
@Version(ContinuousBackupsPolicy.VERSION)
@ShortNames({"cbp", "pitrpolicy"})
public class ContinuousBackupsPolicy
    extends CustomResource<ContinuousBackupsPolicySpec, ContinuousBackupsPolicyStatus>
    implements Namespaced {

  public static final String GROUP = "dynamodb.pitr.io";
  public static final String VERSION = "v1alpha1";
}
