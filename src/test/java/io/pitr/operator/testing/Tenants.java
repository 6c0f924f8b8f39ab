package io.pitr.operator.testing;

import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

/** A tenant as platform teams set one up: a ServiceAccount that administers its own namespace. */
public final class Tenants {

  private Tenants() {}

  /**
   * Creates ServiceAccount {@code namespace/name} with the cluster's {@code admin} role in its
   * namespace, plus {@code policies} there (a Role named {@code name}-policies), and returns the
   * user name to impersonate it with.
   */
  public static String namespaceAdmin(
      KubernetesClient client, String namespace, String name, PolicyRule policies) {
    client
        .resource(
            new ServiceAccountBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .endMetadata()
                .build())
        .serverSideApply();
    String role = name + "-policies";
    client
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName(role)
                .withNamespace(namespace)
                .endMetadata()
                .withRules(policies)
                .build())
        .serverSideApply();
    for (String[] grant : new String[][] {{"Role", role}, {"ClusterRole", "admin"}}) {
      client
          .resource(
              new RoleBindingBuilder()
                  .withNewMetadata()
                  .withName(name + "-" + grant[1])
                  .withNamespace(namespace)
                  .endMetadata()
                  .withNewRoleRef("rbac.authorization.k8s.io", grant[0], grant[1])
                  .addNewSubject()
                  .withKind("ServiceAccount")
                  .withName(name)
                  .withNamespace(namespace)
                  .endSubject()
                  .build())
          .serverSideApply();
    }
    return "system:serviceaccount:" + namespace + ":" + name;
  }

  /** Rights on policies ({@code resources} of dynamodb.pitr.io) with {@code verbs}. */
  public static PolicyRule policyRights(String resources, String... verbs) {
    return new PolicyRuleBuilder()
        .withApiGroups("dynamodb.pitr.io")
        .withResources(resources)
        .withVerbs(verbs)
        .build();
  }
}
