package io.pitr.operator.testing;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * JUnit extension that runs one real kube-apiserver + etcd (Fabric8 kube-api-test) per test JVM and
 * injects a {@link KubernetesClient} for it, authenticated as a cluster admin.
 *
 * <p>The binaries must already be in kube-api-test's cache: the Maven build provisions them
 * (src/test/scripts/provision-kube-binaries.sh) before the integration tests. Nothing is ever
 * downloaded here, and a missing binary fails the test with instructions; it never skips.
 */
public final class RealKubeApiServer implements ParameterResolver {

  /** Set by the build to the Kubernetes version it provisioned; without it, the newest cached. */
  public static final String VERSION_PROPERTY = "pitr.test.kube-version";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(RealKubeApiServer.class);
  private static final List<String> BINARIES = List.of("kube-apiserver", "etcd", "kubectl");

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == KubernetesClient.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context)
      throws ParameterResolutionException {
    return context
        .getRoot()
        .getStore(NAMESPACE)
        .computeIfAbsent(RunningServer.class, key -> RunningServer.start(), RunningServer.class)
        .client();
  }

  /** The server and an admin client, closed by JUnit when the whole test run ends. */
  private record RunningServer(KubeAPIServer server, KubernetesClient client)
      implements AutoCloseable {

    static RunningServer start() {
      String version = System.getProperty(VERSION_PROPERTY);
      var builder =
          KubeAPIServerConfigBuilder.anAPIServerConfig()
              .withOfflineMode(true)
              .withTestDir(cacheRoot().toString());
      if (version != null && !version.isBlank()) {
        requireBinaries(version);
        builder.withApiServerVersion(version);
      }
      var server = new KubeAPIServer(builder.build());
      // kube-api-test stops etcd and kube-apiserver only when the run ends normally; a killed or
      // timed-out test JVM would otherwise leave both running.
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> ProcessHandle.current().descendants().forEach(ProcessHandle::destroy)));
      server.start();
      var client =
          new KubernetesClientBuilder()
              .withConfig(Config.fromKubeconfig(server.getKubeConfigYaml()))
              .build();
      return new RunningServer(server, client);
    }

    @Override
    public void close() {
      client.close();
      server.stop();
    }
  }

  /** kube-api-test's own lookup: builder, then KUBE_API_TEST_DIR, then ~/.kubeapitest. */
  static Path cacheRoot() {
    String fromEnvironment = System.getenv(KubeAPIServerConfigBuilder.KUBE_API_TEST_DIR);
    return fromEnvironment != null
        ? Path.of(fromEnvironment)
        : Path.of(System.getProperty("user.home"), KubeAPIServerConfigBuilder.DIRECTORY_NAME);
  }

  private static void requireBinaries(String version) {
    Path directory = cacheRoot().resolve("k8s").resolve(version + "-linux-amd64");
    List<String> missing =
        BINARIES.stream().filter(binary -> !Files.isExecutable(directory.resolve(binary))).toList();
    if (!missing.isEmpty()) {
      throw new IllegalStateException(
          String.format(
              "The real Kubernetes API server for the integration tests is missing: %s not found in"
                  + " %s. Run the tests with ./mvnw verify, which builds them, or run"
                  + " src/test/scripts/provision-kube-binaries.sh --kube-version %s (needs Go).",
              String.join(", ", missing), directory, version));
    }
  }
}
