package io.pitr.operator.testing;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A release of the chart on the real API server, as {@code helm install} would make it: the chart
 * rendered by helm with the values a test gives, and everything it renders applied. No kubelet runs
 * here, so the operator's pods are started by {@link #start} as processes on this machine, each
 * with what its pod would have: the container's environment (ConfigMap and downward API resolved),
 * its JVM options, its memory limit, and a token of the release's ServiceAccount, so that it runs
 * with exactly the chart's RBAC.
 */
public final class OperatorRelease implements AutoCloseable {

  private static final String OPERATOR_CONTAINER = "operator";

  private final KubernetesClient admin;
  private final String name;
  private final String namespace;
  private final List<HasMetadata> objects;
  private final List<PackagedOperator> pods = new ArrayList<>();
  private final List<Path> kubeconfigs = new ArrayList<>();
  private int podCount;

  private OperatorRelease(
      KubernetesClient admin, String name, String namespace, List<HasMetadata> objects) {
    this.admin = admin;
    this.name = name;
    this.namespace = namespace;
    this.objects = objects;
  }

  /**
   * Renders the chart as release {@code name} in {@code namespace} with {@code values} and applies
   * all it renders (server-side apply, as Helm 4 installs).
   */
  public static OperatorRelease install(
      KubernetesClient admin, String name, String namespace, Map<String, Object> values) {
    CustomResourceDefinitions.ensureNamespace(admin, namespace);
    String rendered;
    try {
      Path valuesFile = Files.createTempFile("values-" + name + "-", ".yaml");
      Files.writeString(valuesFile, admin.getKubernetesSerialization().asYaml(values));
      rendered = HelmChart.templateRelease(name, namespace, "--values", valuesFile.toString());
      Files.delete(valuesFile);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<HasMetadata> objects =
        admin.load(new ByteArrayInputStream(rendered.getBytes(StandardCharsets.UTF_8))).items();
    for (HasMetadata object : objects) {
      // The chart names the namespace of everything namespaced; watched namespaces are the
      // user's, and exist before the release is installed.
      if (object.getMetadata().getNamespace() != null) {
        CustomResourceDefinitions.ensureNamespace(admin, object.getMetadata().getNamespace());
      }
      admin.resource(object).forceConflicts().serverSideApply();
    }
    return new OperatorRelease(admin, name, namespace, objects);
  }

  /** The release's namespace, where its Lease and ServiceAccount live. */
  public String namespace() {
    return namespace;
  }

  /** The release's ServiceAccount, as the API server names its user. */
  public String serviceAccountUser() {
    return "system:serviceaccount:"
        + namespace
        + ":"
        + deployment().getSpec().getTemplate().getSpec().getServiceAccountName();
  }

  /** Starts one pod of the operator Deployment and waits until it is ready. */
  public PackagedOperator start() {
    PackagedOperator pod = startUnready();
    pod.awaitReady();
    return pod;
  }

  /** Starts one pod of the operator Deployment; it may still be starting, or standing by. */
  public PackagedOperator startUnready() {
    PackagedOperator started = podTemplate().container(0);
    pods.add(started);
    return started;
  }

  /**
   * Starts one pod of the operator Deployment, talking to the API server at {@code apiServerUrl},
   * whose container is restarted whenever it exits, as the kubelet does. The caller closes it.
   */
  public RestartingPod startRestarting(String apiServerUrl) {
    return new RestartingPod(podTemplate(apiServerUrl)::container);
  }

  /**
   * What the kubelet starts each container of one new pod with.
   *
   * @param podName the pod's name
   * @param environment the container's environment, with its JVM options
   * @param memoryLimit the container's memory limit, in bytes
   * @param kubeconfig a kubeconfig with a token of the release's ServiceAccount
   * @param spec the pod's spec as the chart renders it (security contexts, volumes)
   */
  public record PodTemplate(
      String podName,
      Map<String, String> environment,
      long memoryLimit,
      Path kubeconfig,
      PodSpec spec) {

    /** The operator container of {@link #spec}. */
    public Container operator() {
      return spec.getContainers().stream()
          .filter(c -> OPERATOR_CONTAINER.equals(c.getName()))
          .findFirst()
          .orElseThrow(() -> new AssertionError("the chart's Deployment has no operator"));
    }

    PackagedOperator container(int restarts) {
      return PackagedOperator.start(podName, restarts, environment, memoryLimit, kubeconfig);
    }
  }

  /** The image of the Deployment's operator container. */
  public String image() {
    return operatorContainer(deployment()).getImage();
  }

  /** One new pod of the operator Deployment, to be started by the caller. */
  public PodTemplate podTemplate() {
    return podTemplate(admin.getConfiguration().getMasterUrl());
  }

  private PodTemplate podTemplate(String apiServerUrl) {
    Deployment deployment = deployment();
    String podName = deployment.getMetadata().getName() + "-pod-" + (++podCount);
    Container container = operatorContainer(deployment);
    return new PodTemplate(
        podName,
        environment(container, podName),
        Quantity.getAmountInBytes(container.getResources().getLimits().get("memory"))
            .longValueExact(),
        kubeconfig(
            deployment.getSpec().getTemplate().getSpec().getServiceAccountName(), apiServerUrl),
        deployment.getSpec().getTemplate().getSpec());
  }

  private static Container operatorContainer(Deployment deployment) {
    return deployment.getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> OPERATOR_CONTAINER.equals(c.getName()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("the chart's Deployment has no operator"));
  }

  /** The container's environment as the kubelet would give it to the pod. */
  private Map<String, String> environment(Container container, String podName) {
    Map<String, String> environment = new LinkedHashMap<>();
    for (EnvFromSource source : container.getEnvFrom()) {
      if (source.getConfigMapRef() == null) {
        throw new AssertionError("only envFrom.configMapRef is supported here: " + source);
      }
      environment.putAll(configMap(source.getConfigMapRef().getName()).getData());
    }
    for (EnvVar variable : container.getEnv()) {
      if (variable.getValueFrom() == null) {
        environment.put(variable.getName(), Objects.requireNonNullElse(variable.getValue(), ""));
      } else if (variable.getValueFrom().getFieldRef() != null) {
        String field = variable.getValueFrom().getFieldRef().getFieldPath();
        environment.put(
            variable.getName(),
            switch (field) {
              case "metadata.namespace" -> namespace;
              case "metadata.name" -> podName;
              default -> throw new AssertionError("fieldRef " + field + " is not supported here");
            });
      } else {
        throw new AssertionError("only value and valueFrom.fieldRef are supported: " + variable);
      }
    }
    environment.put("HOSTNAME", podName);
    return environment;
  }

  /**
   * A kubeconfig with a token of the ServiceAccount, from the TokenRequest API as the kubelet gets
   * it for a pod: the operator authenticates as the chart's ServiceAccount.
   */
  private Path kubeconfig(String serviceAccount, String apiServerUrl) {
    var request =
        admin
            .serviceAccounts()
            .inNamespace(namespace)
            .withName(serviceAccount)
            .tokenRequest(
                new TokenRequestBuilder()
                    .withNewSpec()
                    .withExpirationSeconds(7200L)
                    .endSpec()
                    .build());
    var config = admin.getConfiguration();
    String caData = config.getCaCertData();
    try {
      if (caData == null) {
        caData =
            Base64.getEncoder().encodeToString(Files.readAllBytes(Path.of(config.getCaCertFile())));
      }
      Map<String, Object> kubeconfig =
          Map.of(
              "apiVersion",
              "v1",
              "kind",
              "Config",
              "clusters",
              List.of(
                  Map.of(
                      "name",
                      "test",
                      "cluster",
                      Map.of("server", apiServerUrl, "certificate-authority-data", caData))),
              "users",
              List.of(
                  Map.of(
                      "name",
                      serviceAccount,
                      "user",
                      Map.of("token", request.getStatus().getToken()))),
              "contexts",
              List.of(
                  Map.of(
                      "name",
                      "operator",
                      "context",
                      Map.of("cluster", "test", "user", serviceAccount))),
              "current-context",
              "operator");
      Path file = Files.createTempFile("operator-" + name + "-", ".kubeconfig");
      Files.writeString(file, admin.getKubernetesSerialization().asYaml(kubeconfig));
      kubeconfigs.add(file);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Deployment deployment() {
    return objects.stream()
        .filter(o -> o instanceof Deployment && o.getMetadata().getName().equals(fullName()))
        .map(Deployment.class::cast)
        .findFirst()
        .orElseThrow(() -> new AssertionError("the chart rendered no Deployment " + fullName()));
  }

  private ConfigMap configMap(String configMapName) {
    return objects.stream()
        .filter(o -> o instanceof ConfigMap && o.getMetadata().getName().equals(configMapName))
        .map(ConfigMap.class::cast)
        .findFirst()
        .orElseThrow(() -> new AssertionError("the chart rendered no ConfigMap " + configMapName));
  }

  /** The chart's full name for this release (see _helpers.tpl). */
  private String fullName() {
    return name.contains("pitr-operator") ? name : name + "-pitr-operator";
  }

  /** Stops every pod still running, and deletes the tokens handed to them. */
  @Override
  public void close() {
    pods.forEach(PackagedOperator::close);
    kubeconfigs.forEach(file -> file.toFile().delete());
  }
}
