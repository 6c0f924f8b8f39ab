package io.pitr.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Says which namespaces may manage the point-in-time recovery of which tables, in which AWS account
 * and regions, and how the operator reaches that account. Cluster-scoped and owned by cluster
 * administrators: a tenant's policy never names an account or a role, at most a binding its
 * namespace may use. Read only when tenancy is on (pitr.tenancy.enabled).
 */
@Group(ContinuousBackupsPolicy.GROUP)
@Version(ContinuousBackupsPolicy.VERSION)
@ShortNames({"dab", "accountbinding"})
@AdditionalPrinterColumn(
    name = "Account",
    jsonPath = ".spec.accountId",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Role",
    jsonPath = ".spec.assumeRole.roleArn",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Regions",
    jsonPath = ".spec.regions",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Tables",
    jsonPath = ".spec.tableNames",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class DynamoDbAccountBinding extends CustomResource<DynamoDbAccountBindingSpec, Void> {}
