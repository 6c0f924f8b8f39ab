package io.pitr.operator.local;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pitr.emulator.AssumableRole;
import io.pitr.emulator.DynamoDbEmulator;
import io.pitr.emulator.EmulatorSettings;
import io.pitr.emulator.Scope;
import io.pitr.operator.api.v1alpha1.AssumeRole;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicy;
import io.pitr.operator.api.v1alpha1.ContinuousBackupsPolicySet;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBinding;
import io.pitr.operator.api.v1alpha1.DynamoDbAccountBindingSpec;
import io.pitr.operator.api.v1alpha1.NamespaceSelection;
import io.pitr.operator.testing.CustomResourceDefinitions;
import io.pitr.operator.testing.Fixtures;
import io.pitr.operator.testing.Tenants;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The README's run command: the packaged operator against a local kube-apiserver (the binaries the
 * tests use) and the project's DynamoDB emulator seeded with the examples' tables, or against the
 * cluster of {@code KUBECONFIG} and real AWS when those are given. Ctrl-C stops everything.
 *
 * <p>Environment: KUBECONFIG (use that cluster), PITR_AWS_ENDPOINT_OVERRIDE or AWS credentials
 * (AWS_ACCESS_KEY_ID, AWS_PROFILE, AWS_WEB_IDENTITY_TOKEN_FILE: use that DynamoDB),
 * PITR_LOCAL_KUBE_VERSION, PITR_TENANCY_ENABLED=true (the multi-team example of
 * deploy/examples/tenancy: its namespaces, a tenant's ServiceAccount, the tables in both accounts
 * and the role in the emulator, and a binding that lets namespace demo keep its examples).
 */
public final class LocalRun {

  private static final String NAMESPACE = "demo";
  private static final String REGION = "us-east-1";
  private static final Path WORK = Path.of("target", "local-run");
  private static final List<String> DEMO_TABLES =
      List.of("orders", "payments", "scratch.events-v2", "audit-log");

  /**
   * Each table's env tag, for the policy set of deploy/examples/sets: sessions and carts are
   * selected, carts-scratch excluded by name, reports not tagged prod, and orders and payments
   * tagged prod but managed by their own examples.
   */
  private static final Map<String, String> ENV_TAGS =
      Map.of(
          "orders", "prod",
          "payments", "prod",
          "scratch.events-v2", "dev",
          "audit-log", "compliance",
          "sessions", "prod",
          "carts", "prod",
          "carts-scratch", "prod",
          "reports", "dev");

  private static final Path SET_EXAMPLES = Path.of("deploy", "examples", "sets");

  /** The operator's own account in the emulator: the one the example's analytics binding names. */
  private static final String OWN_ACCOUNT = "111111111111";

  private static final Path TENANCY_EXAMPLES = Path.of("deploy", "examples", "tenancy");

  private final List<AutoCloseable> running = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    LocalRun run = new LocalRun();
    Runtime.getRuntime().addShutdownHook(new Thread(run::stop, "local-run-stop"));
    run.start(args.length > 0 ? args[0] : "1.36.3");
    Thread.currentThread().join();
  }

  private void start(String kubeVersion) throws Exception {
    Files.createDirectories(WORK);
    Map<String, String> env = System.getenv();
    Path kubeconfig;
    if (env.containsKey("KUBECONFIG")) {
      kubeconfig = Path.of(env.get("KUBECONFIG").split(java.io.File.pathSeparator)[0]);
      say("Using the cluster of KUBECONFIG (%s)", kubeconfig);
    } else {
      kubeconfig = startApiServer(env.getOrDefault("PITR_LOCAL_KUBE_VERSION", kubeVersion));
    }

    boolean tenancy = Boolean.parseBoolean(env.getOrDefault("PITR_TENANCY_ENABLED", "false"));
    Map<String, String> operatorEnv = new java.util.HashMap<>();
    operatorEnv.put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    boolean realAws =
        env.containsKey("PITR_AWS_ENDPOINT_OVERRIDE")
            || env.containsKey("AWS_ACCESS_KEY_ID")
            || env.containsKey("AWS_PROFILE")
            || env.containsKey("AWS_WEB_IDENTITY_TOKEN_FILE");
    if (realAws) {
      say(
          "Using DynamoDB from your AWS settings (region: %s)",
          env.getOrDefault("AWS_REGION", "from your profile"));
    } else {
      DynamoDbEmulator emulator =
          DynamoDbEmulator.start(
              EmulatorSettings.builder().port(freePort(8000)).accountId(OWN_ACCOUNT).build());
      running.add(0, emulator);
      Scope scope = new Scope(OWN_ACCOUNT, REGION);
      ENV_TAGS.forEach((table, tag) -> emulator.createTable(scope, table, Map.of("env", tag)));
      if (tenancy) {
        seedTenancyExample(emulator);
      }
      operatorEnv.put("PITR_AWS_ENDPOINT_OVERRIDE", emulator.endpoint().toString());
      operatorEnv.put("PITR_AWS_STS_ENDPOINT_OVERRIDE", emulator.endpoint().toString());
      operatorEnv.put("PITR_AWS_REGION", REGION);
      operatorEnv.put("PITR_AWS_ACCOUNT_ID", OWN_ACCOUNT);
      operatorEnv.put("AWS_ACCESS_KEY_ID", "local");
      operatorEnv.put("AWS_SECRET_ACCESS_KEY", "local");
      say(
          "DynamoDB emulator on %s with tables %s in %s",
          emulator.endpoint(), new java.util.TreeMap<>(ENV_TAGS).keySet(), REGION);
    }

    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
            .build()) {
      CustomResourceDefinitions.installPolicyCrds(client);
      CustomResourceDefinitions.ensureNamespace(client, NAMESPACE);
      for (Path example : Fixtures.yamlFilesIn(Path.of("deploy", "examples"))) {
        ContinuousBackupsPolicy policy = Fixtures.load(example, ContinuousBackupsPolicy.class);
        client.resource(policy).inNamespace(NAMESPACE).forceConflicts().serverSideApply();
      }
      for (Path example : Fixtures.yamlFilesIn(SET_EXAMPLES)) {
        ContinuousBackupsPolicySet set = Fixtures.load(example, ContinuousBackupsPolicySet.class);
        client.resource(set).inNamespace(NAMESPACE).forceConflicts().serverSideApply();
      }
      say("Installed the CRDs and applied deploy/examples/ in namespace %s", NAMESPACE);
      CustomResourceDefinitions.installDynamoDbAccountBinding(client);
      if (tenancy) {
        prepareTenancyExample(client);
      }
    }

    startOperator(operatorEnv);
    say(
        """
        The operator is running. In another terminal:

          export KUBECONFIG=%s
          kubectl get cbp -n %s --watch
          kubectl describe cbp -n %s orders
          kubectl wait cbp --all -n %s --for=condition=Ready --timeout=60s
        %s
        %sCtrl-C stops everything.""",
        kubeconfig.toAbsolutePath(),
        NAMESPACE,
        NAMESPACE,
        NAMESPACE,
        realAws
            ? ""
            : """

              Drift: turn PITR off behind the operator's back; within the drift interval it is back:
                AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws dynamodb update-continuous-backups \\
                  --endpoint-url %s --region %s --table-name orders \\
                  --point-in-time-recovery-specification PointInTimeRecoveryEnabled=false
              (the local run checks every 30 s: PITR_DRIFT_INTERVAL=30s)

              Policy sets: prod-tables manages every table tagged env=prod but *-scratch and those
              with a policy of their own; a table created later joins within 10 s:
                kubectl get cbps -n %s; kubectl get cbp -n %s -l dynamodb.pitr.io/policy-set
                AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x aws dynamodb create-table \
                  --endpoint-url %s --region %s --table-name invoices \
                  --attribute-definitions AttributeName=id,AttributeType=S \
                  --key-schema AttributeName=id,KeyType=HASH --billing-mode PAY_PER_REQUEST \
                  --tags Key=env,Value=prod
              (tags are read again every 20 s: PITR_DISCOVERY_TAG_REFRESH_INTERVAL=20s)
              """
                .formatted(
                    operatorEnv.get("PITR_AWS_ENDPOINT_OVERRIDE"),
                    REGION,
                    NAMESPACE,
                    NAMESPACE,
                    operatorEnv.get("PITR_AWS_ENDPOINT_OVERRIDE"),
                    REGION),
        tenancy && !realAws
            ? """
              Tenancy: as the administrator, apply the example bindings; as the tenant, a policy:
                kubectl apply -f deploy/examples/tenancy/payments-binding.yaml \\
                  -f deploy/examples/tenancy/analytics-binding.yaml
                kubectl --as=system:serviceaccount:payments:deployer apply -n payments \\
                  -f deploy/examples/tenancy/payments-ledger.yaml
                kubectl --as=system:serviceaccount:payments:deployer apply -f \\
                  deploy/examples/tenancy/analytics-binding.yaml   # refused: Forbidden
                curl -s %s/_emulator/requests   # each call with its accountId

              """
                .formatted(operatorEnv.get("PITR_AWS_ENDPOINT_OVERRIDE"))
            : "");
  }

  /**
   * The tables of deploy/examples/tenancy in both accounts, and the payments account's role with
   * the example binding's ExternalId, trusting the operator's own account.
   */
  private static void seedTenancyExample(DynamoDbEmulator emulator) {
    DynamoDbAccountBinding payments =
        Fixtures.load(
            TENANCY_EXAMPLES.resolve("payments-binding.yaml"), DynamoDbAccountBinding.class);
    AssumeRole role = payments.getSpec().getAssumeRole();
    emulator.registerRole(
        new AssumableRole(role.getRoleArn(), role.getExternalId(), Set.of(OWN_ACCOUNT)));
    Scope paymentsScope = new Scope(payments.getSpec().getAccountId(), "eu-west-1");
    for (String table : List.of("payments-ledger", "payments-refunds", "events")) {
      emulator.createTable(paymentsScope, table);
    }
    for (String table : List.of("analytics-clicks", "events")) {
      emulator.createTable(new Scope(OWN_ACCOUNT, "eu-west-1"), table);
    }
    say(
        "Tenancy example: role %s (ExternalId %s) in the emulator; tables payments-ledger,"
            + " payments-refunds, events in %s and analytics-clicks, events in %s (eu-west-1)",
        role.getRoleArn(), role.getExternalId(), paymentsScope.accountId(), OWN_ACCOUNT);
  }

  /**
   * The example's namespaces (analytics-prod labelled team=analytics), a tenant ServiceAccount
   * payments/deployer with admin and policy rights in its namespace only, and a binding that lets
   * namespace demo keep managing the demo tables. The example bindings are for you to apply.
   */
  private static void prepareTenancyExample(KubernetesClient client) {
    client
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName("analytics-prod")
                .addToLabels("team", "analytics")
                .endMetadata()
                .build())
        .serverSideApply();
    CustomResourceDefinitions.ensureNamespace(client, "payments");
    Tenants.namespaceAdmin(
        client,
        "payments",
        "deployer",
        Tenants.policyRights(
            "continuousbackupspolicies",
            "get",
            "list",
            "watch",
            "create",
            "update",
            "patch",
            "delete"));
    DynamoDbAccountBinding demo = new DynamoDbAccountBinding();
    demo.setMetadata(new ObjectMetaBuilder().withName("demo").build());
    DynamoDbAccountBindingSpec spec = new DynamoDbAccountBindingSpec();
    spec.setAccountId(OWN_ACCOUNT);
    spec.setRegions(List.of(REGION));
    spec.setTableNames(DEMO_TABLES);
    NamespaceSelection namespaces = new NamespaceSelection();
    namespaces.setNames(List.of(NAMESPACE));
    spec.setNamespaces(namespaces);
    demo.setSpec(spec);
    client.resource(demo).serverSideApply();
    say(
        "Tenancy on: namespaces payments and analytics-prod (team=analytics), ServiceAccount"
            + " payments/deployer, and binding demo (namespace %s, its tables)",
        NAMESPACE);
  }

  private Path startApiServer(String version) throws Exception {
    say("Starting a local kube-apiserver %s (building it first if needed)", version);
    Process provision =
        new ProcessBuilder(
                "bash", "src/test/scripts/provision-kube-binaries.sh", "--kube-version", version)
            .inheritIO()
            .start();
    if (provision.waitFor() != 0) {
      throw new IllegalStateException("Could not provision kube-apiserver " + version);
    }
    KubeAPIServer server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withOfflineMode(true)
                .withApiServerVersion(version)
                .build());
    server.start();
    running.add(
        0,
        () -> {
          try {
            server.stop();
          } catch (RuntimeException alreadyStopped) {
            // Ctrl-C reaches etcd and kube-apiserver too (one process group): kube-api-test may
            // have stopped them and removed etcd's data already.
          }
        });
    Path kubeconfig = WORK.resolve("kubeconfig");
    Files.writeString(kubeconfig, server.getKubeConfigYaml());
    return kubeconfig;
  }

  private void startOperator(Map<String, String> env) throws IOException {
    Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: run the command from the README");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-jar", jar.toString()).inheritIO();
    builder.environment().putAll(env);
    builder.environment().putIfAbsent("PITR_DRIFT_INTERVAL", "30s");
    // New tables and tag changes show within seconds, so that policy sets can be watched.
    builder.environment().putIfAbsent("PITR_DISCOVERY_INTERVAL", "10s");
    builder.environment().putIfAbsent("PITR_DISCOVERY_TAG_REFRESH_INTERVAL", "20s");
    builder.environment().putIfAbsent("QUARKUS_HTTP_PORT", Integer.toString(freePort(8080)));
    // Leader election is always on in the packaged operator; outside a pod, name the Lease's
    // namespace.
    builder.environment().putIfAbsent("PITR_LEADER_ELECTION_LEASE_NAMESPACE", NAMESPACE);
    Process operator = builder.start();
    running.add(
        0,
        () -> {
          operator.destroy();
          if (!operator.waitFor(15, TimeUnit.SECONDS)) {
            operator.destroyForcibly();
          }
        });
  }

  /** Stops what was started, newest first, then anything this process still has running. */
  private void stop() {
    for (AutoCloseable part : running) {
      try {
        part.close();
      } catch (Exception e) {
        System.err.println("local-run: while stopping: " + e);
      }
    }
    ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
    say("Stopped.");
  }

  private static int freePort(int preferred) {
    try (ServerSocket socket = new ServerSocket(preferred)) {
      return socket.getLocalPort();
    } catch (IOException busy) {
      try (ServerSocket socket = new ServerSocket(0)) {
        return socket.getLocalPort();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static void say(String format, Object... args) {
    System.out.println("local-run: " + String.format(format, args));
  }
}
