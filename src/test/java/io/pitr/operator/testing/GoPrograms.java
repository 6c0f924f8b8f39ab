package io.pitr.operator.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pitr.testing.ExternalCommand;
import io.pitr.testing.ProvisionedTools;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The Go programs that judge objects with the libraries GitOps tools use: {@code kstatus}
 * (sigs.k8s.io/cli-utils, as Flux and kpt) and {@code argo-health} (Argo CD's Lua health scripts,
 * run as Argo CD runs them), in the module {@code src/test/gitops}; {@code flux-health} (Flux's
 * kustomize-controller with a Kustomization's healthCheckExprs), in {@code src/test/gitops-flux}, a
 * module of its own so that Flux's dependency versions do not move the others'. Each module is
 * built with the machine's {@code go} the first time its sources are seen, into {@code
 * $PITR_TOOLS_DIR/<module's name>-<hash of its sources>/bin}, and reused from there; the
 * environment's GOPROXY and GOFLAGS apply. Without {@code go} and with nothing built, a test fails
 * under CI ({@code CI=true}) and is skipped elsewhere, with a message saying how to get it.
 */
public final class GoPrograms {

  /** The Go module of kstatus and argo-health. */
  public static final Path MODULE = Path.of("src", "test", "gitops");

  /** The Go module of flux-health. */
  public static final Path FLUX_MODULE = Path.of("src", "test", "gitops-flux");

  /** The example Flux Kustomization, whose healthCheckExprs judge ContinuousBackupsPolicy. */
  public static final Path FLUX_KUSTOMIZATION = Path.of("deploy", "flux", "backup-policies.yaml");

  /** The Argo CD health check of ContinuousBackupsPolicy, in Argo CD's contribution layout. */
  public static final Path POLICY_HEALTH_CHECK =
      Path.of(
          "deploy",
          "argocd",
          "resource_customizations",
          "dynamodb.pitr.io",
          "ContinuousBackupsPolicy");

  /** The policies' resource, as kstatus --resource takes it. */
  public static final String POLICIES = "continuousbackupspolicies.v1alpha1.dynamodb.pitr.io";

  private static final GoModule GITOPS =
      new GoModule(MODULE, "gitops-health", List.of("kstatus", "argo-health"));
  private static final GoModule FLUX =
      new GoModule(FLUX_MODULE, "gitops-flux", List.of("flux-health"));
  private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(20);
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private static final Map<GoModule, Path> BUILT = new HashMap<>();

  private GoPrograms() {}

  /**
   * A Go module whose programs ({@code cmd/NAME}) are built together.
   *
   * @param directory the module's directory
   * @param name the start of its build's directory name in the cache
   * @param programs the programs it builds
   */
  private record GoModule(Path directory, String name, List<String> programs) {}

  /**
   * What a program says of one object.
   *
   * @param name the object's metadata.name
   * @param status kstatus: Current, InProgress, Failed, Terminating, NotFound or Unknown; Argo CD:
   *     Healthy, Progressing, Degraded, Suspended, Missing or Unknown (empty if the script returned
   *     nothing)
   * @param message the program's message
   * @param file the file the object was read from; null when read from an API server
   */
  public record Verdict(String name, String status, String message, String file) {}

  /**
   * What Flux's kustomize-controller computes for one object while it waits.
   *
   * @param name the object's metadata.name
   * @param status Current, InProgress, Failed, Terminating or Unknown (kstatus' statuses)
   * @param message the status reader's message, or the error that made the status Unknown
   * @param file the file the object was read from
   * @param healthCheckExpr whether an entry of the Kustomization's healthCheckExprs judged it (else
   *     kstatus did)
   */
  public record FluxVerdict(
      String name, String status, String message, String file, boolean healthCheckExpr) {

    /** As a {@link Verdict}, without the flag. */
    public Verdict verdict() {
      return new Verdict(name, status, message, file);
    }
  }

  /** An Argo CD health: status and message. */
  public record Health(String status, String message) {}

  /**
   * One case of a health_test.yaml.
   *
   * @param inputPath the object's file, relative to the script's directory
   * @param expected the health the case expects
   * @param actual the health the script returned (empty on error)
   * @param passed whether both status and message are as expected
   * @param error why the case could not run, if it could not
   */
  public record HealthCase(
      String inputPath, Health expected, Health actual, boolean passed, String error) {}

  /**
   * A run of {@code argo-health test}.
   *
   * @param cases every case, in the file's order
   * @param report what it printed for people: every mismatch, and a count
   */
  public record HealthTestRun(List<HealthCase> cases, String report) {

    /** Whether every case passed. */
    public boolean passed() {
      return cases.stream().allMatch(HealthCase::passed);
    }

    /** The cases that failed. */
    public List<HealthCase> mismatches() {
      return cases.stream().filter(c -> !c.passed()).toList();
    }
  }

  /** How Argo CD would load a health script, which decides the Lua libraries it may use. */
  public enum ScriptSource {
    /** Built into Argo CD (resource_customizations): all standard libraries. */
    BUILT_IN,
    /**
     * A customization in argocd-cm without useOpenLibs: the base, package and table libraries only,
     * and os only through require, with time and date.
     */
    ARGOCD_CM
  }

  /**
   * The kstatus verdict of each named object of {@link #POLICIES} in {@code namespace}, read from
   * the API server of {@code kubeconfig}; NotFound for one that is not there.
   */
  public static List<Verdict> kstatus(Path kubeconfig, String namespace, List<String> names) {
    return kstatus(kubeconfig, namespace, names, null);
  }

  /**
   * As {@link #kstatus(Path, String, List)}, also writing each object read to {@code
   * saveTo/NAME.yaml} (unless {@code saveTo} is null), to judge the very same object again, with
   * {@link #argoHealth}, and keep it as evidence.
   */
  public static List<Verdict> kstatus(
      Path kubeconfig, String namespace, List<String> names, Path saveTo) {
    List<String> arguments =
        new ArrayList<>(
            List.of(
                "--kubeconfig",
                kubeconfig.toAbsolutePath().toString(),
                "--namespace",
                namespace,
                "--resource",
                POLICIES));
    if (saveTo != null) {
      arguments.addAll(List.of("--save", saveTo.toAbsolutePath().toString()));
    }
    arguments.addAll(names);
    return verdicts(run("kstatus", arguments));
  }

  /** The kstatus verdict of every object in these files, in order. */
  public static List<Verdict> kstatusFiles(List<Path> files) {
    return verdicts(run("kstatus", absolute(files)));
  }

  /**
   * The health the Argo CD controller shows for each object of these files, with a built-in script.
   */
  public static List<Verdict> argoHealth(Path healthLua, List<Path> objects) {
    return argoHealth(healthLua, objects, ScriptSource.BUILT_IN);
  }

  /**
   * The health the Argo CD controller shows for each object of these files, in order, with the
   * script loaded from {@code source}. As in Argo CD, an object being deleted is Progressing,
   * "Pending deletion", without running the script. Fails if the script fails on an object.
   */
  public static List<Verdict> argoHealth(Path healthLua, List<Path> objects, ScriptSource source) {
    List<String> arguments = new ArrayList<>(List.of("eval", openLibs(source)));
    arguments.add(healthLua.toAbsolutePath().toString());
    arguments.addAll(absolute(objects));
    return verdicts(run("argo-health", arguments));
  }

  /**
   * What Flux's kustomize-controller computes for each object of these files, in order, while it
   * waits for {@code kustomization} (a Flux Kustomization with {@code wait} or {@code
   * healthChecks}): its status readers, built as the controller builds them from the
   * Kustomization's healthCheckExprs, read each object from its file instead of an API server.
   * Fails if the Kustomization is not one the controller would wait with.
   */
  public static List<FluxVerdict> fluxHealth(Path kustomization, List<Path> objects) {
    List<String> arguments = new ArrayList<>();
    arguments.add(kustomization.toAbsolutePath().toString());
    arguments.addAll(absolute(objects));
    return parse(run("flux-health", arguments).stdout(), FluxVerdict.class);
  }

  /**
   * Runs {@code directory/health_test.yaml} on {@code directory/health.lua} as Argo CD's own test
   * of resource_customizations does (all libraries open).
   */
  public static HealthTestRun argoHealthTest(Path directory) {
    return argoHealthTest(directory, ScriptSource.BUILT_IN);
  }

  /** As {@link #argoHealthTest(Path)}, with the libraries of {@code source}. */
  public static HealthTestRun argoHealthTest(Path directory, ScriptSource source) {
    ExternalCommand.Result result =
        ExternalCommand.run(
            command(
                "argo-health",
                List.of("test", openLibs(source), directory.toAbsolutePath().toString())),
            Map.of(),
            RUN_TIMEOUT);
    if (result.exitCode() != 0 && result.exitCode() != 2) {
      throw new IllegalStateException(
          "argo-health test " + directory + " could not run:\n" + result.stderr());
    }
    return new HealthTestRun(parse(result.stdout(), HealthCase.class), result.stderr());
  }

  /**
   * The directory holding the built kstatus and argo-health, building them first if their sources
   * have changed since the last build.
   */
  public static Path binaries() {
    return binaries(GITOPS);
  }

  private static synchronized Path binaries(GoModule module) {
    Path built = BUILT.get(module);
    if (built != null) {
      return built;
    }
    Path target =
        ProvisionedTools.directory().resolve(module.name() + "-" + sourceHash(module.directory()));
    Path bin = target.resolve("bin");
    if (!module.programs().stream().allMatch(program -> Files.isExecutable(bin.resolve(program)))) {
      Path go = go(module);
      deleteRecursively(target); // incomplete: a build moves in only when complete
      build(go, module, target);
    }
    BUILT.put(module, bin);
    return bin;
  }

  private static String openLibs(ScriptSource source) {
    return "--use-open-libs=" + (source == ScriptSource.BUILT_IN);
  }

  private static ExternalCommand.Result run(String program, List<String> arguments) {
    ExternalCommand.Result result =
        ExternalCommand.run(command(program, arguments), Map.of(), RUN_TIMEOUT);
    if (result.exitCode() != 0) {
      throw new IllegalStateException(
          program
              + " "
              + String.join(" ", arguments)
              + " exited with "
              + result.exitCode()
              + ":\n"
              + result.stdout()
              + result.stderr());
    }
    return result;
  }

  private static List<String> command(String program, List<String> arguments) {
    GoModule module =
        Stream.of(GITOPS, FLUX)
            .filter(candidate -> candidate.programs().contains(program))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("No Go program " + program));
    List<String> command = new ArrayList<>();
    command.add(binaries(module).resolve(program).toString());
    command.addAll(arguments);
    return command;
  }

  private static List<Verdict> verdicts(ExternalCommand.Result result) {
    return parse(result.stdout(), Verdict.class);
  }

  private static <T> List<T> parse(String jsonLines, Class<T> type) {
    List<T> parsed = new ArrayList<>();
    for (String line : jsonLines.lines().filter(line -> !line.isBlank()).toList()) {
      try {
        parsed.add(JSON.readValue(line, type));
      } catch (IOException e) {
        throw new IllegalStateException("Not a " + type.getSimpleName() + ": " + line, e);
      }
    }
    return parsed;
  }

  private static List<String> absolute(List<Path> files) {
    return files.stream().map(file -> file.toAbsolutePath().toString()).toList();
  }

  /** A hash of every file of a module: a change of any builds its programs again. */
  private static String sourceHash(Path module) {
    try (Stream<Path> files = Files.walk(module)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        digest.update(module.relativize(file).toString().getBytes(StandardCharsets.UTF_8));
        digest.update((byte) 0);
        digest.update(Files.readAllBytes(file));
        digest.update((byte) 0);
      }
      return HexFormat.of().formatHex(digest.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The go command, or a failure (under CI) or skip (elsewhere) saying how to get it. */
  private static Path go(GoModule module) {
    // On the PATH only, as the provisioning scripts look for it (command -v go).
    Optional<Path> go =
        Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
            .filter(directory -> !directory.isEmpty())
            .map(directory -> Path.of(directory, "go"))
            .filter(Files::isExecutable)
            .findFirst();
    if (go.isPresent()) {
      return go.get();
    }
    String message =
        "Go 1.26 or newer is needed to build "
            + String.join(" and ", module.programs())
            + " from "
            + module.directory()
            + " (once; they are then reused from "
            + ProvisionedTools.directory()
            + "): install it (https://go.dev/doc/install, or your package manager) and put go on"
            + " the PATH; it fetches modules through GOPROXY.";
    if (io.pitr.testing.ToolProvisioning.inCi()) {
      throw new IllegalStateException(message);
    }
    Assumptions.abort(message);
    throw new AssertionError("unreachable");
  }

  private static void build(Path go, GoModule module, Path target) {
    Path staging =
        target.resolveSibling(target.getFileName() + ".staging-" + ProcessHandle.current().pid());
    deleteRecursively(staging);
    long started = System.nanoTime();
    ExternalCommand.Result result =
        ExternalCommand.run(
            List.of(
                go.toString(),
                "-C",
                module.directory().toAbsolutePath().toString(),
                "build",
                "-trimpath",
                "-ldflags=-s -w",
                "-o",
                staging.resolve("bin").toAbsolutePath() + "/",
                "./cmd/..."),
            Map.of("CGO_ENABLED", "0"),
            BUILD_TIMEOUT);
    if (result.exitCode() != 0) {
      deleteRecursively(staging);
      throw new IllegalStateException(
          "Building the Go programs of " + module.directory() + " failed:\n" + result.stderr());
    }
    try {
      Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (FileAlreadyExistsException | DirectoryNotEmptyException builtMeanwhile) {
      deleteRecursively(staging); // another test JVM built the same sources
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    System.out.printf(
        "GITOPS built %s in %.1f s into %s (%d MB)%n",
        String.join(" and ", module.programs()),
        (System.nanoTime() - started) / 1e9,
        target,
        size(target) / (1024 * 1024));
  }

  private static long size(Path directory) {
    try (Stream<Path> files = Files.walk(directory)) {
      return files.filter(Files::isRegularFile).mapToLong(file -> file.toFile().length()).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteRecursively(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
