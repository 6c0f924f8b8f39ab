package io.pitr.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.ImageFormat;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the operator's container image as an OCI image archive, with Jib and without a container
 * daemon or registry: on the root filesystem of src/main/image/build-rootfs.sh (glibc from Debian's
 * packages and a jlinked Java runtime, as one base layer: Jib cannot put symbolic links in a layer
 * of its own, and the C library needs some), the application as Quarkus packages it
 * (target/quarkus-app), in three layers from the least to the most often changed, as Quarkus's own
 * Jib extension lays it out: dependencies, Quarkus's generated code, the operator.
 *
 * <p>Quarkus's Jib extension is not used because it writes images only to a registry or a Docker
 * daemon, never to an archive.
 *
 * <p>Usage: {@code OperatorImage ROOTFS QUARKUS_APP OUT.tar IMAGE_REFERENCE}
 */
public final class OperatorImage {

  /** Where the application lives in the image, as in Quarkus's own images. */
  public static final AbsoluteUnixPath HOME = AbsoluteUnixPath.get("/deployments");

  /** The operator's user and group: not root, and what the chart runs it as. */
  public static final String USER = "185:185";

  public static final String JAVA = "/opt/java/bin/java";

  private OperatorImage() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 4) {
      throw new IllegalArgumentException(
          "usage: OperatorImage ROOTFS QUARKUS_APP OUT.tar IMAGE_REFERENCE");
    }
    Path rootfs = Path.of(args[0]);
    Path application = Path.of(args[1]);
    Path out = Path.of(args[2]);
    String reference = args[3];
    long started = System.nanoTime();

    Path work = out.resolveSibling("image-work");
    Files.createDirectories(work);
    Path base = work.resolve("base.tar");
    String architecture = architecture();
    BaseImageArchive.write(rootfs, base, architecture);

    JibContainer container =
        Jib.from("tar://" + base.toAbsolutePath())
            .setFileEntriesLayers(layers(application))
            .setEntrypoint(JAVA, "-jar", HOME.resolve("quarkus-run.jar").toString())
            .setWorkingDirectory(HOME)
            .setUser(USER)
            .setEnvironment(
                Map.of(
                    "JAVA_HOME", "/opt/java",
                    "PATH", "/opt/java/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "LANG", "C.UTF-8"))
            .addExposedPort(Port.tcp(8080))
            .setLabels(labels(reference))
            .setPlatforms(Set.of(new Platform(architecture, "linux")))
            .setFormat(ImageFormat.OCI)
            .containerize(
                Containerizer.to(TarImage.at(out.toAbsolutePath()).named(reference))
                    .setBaseImageLayersCache(work.resolve("cache"))
                    .setApplicationLayersCache(work.resolve("cache"))
                    .setOfflineMode(true)
                    .setToolName("pitr-operator-build"));
    System.out.printf(
        "OperatorImage: %s (%s) written to %s, %d MB, in %d ms%n",
        reference,
        container.getDigest(),
        out,
        Files.size(out) / 1_000_000,
        (System.nanoTime() - started) / 1_000_000);
  }

  /** The OCI name of this machine's architecture, that of the JDK and packages in the image. */
  static String architecture() {
    String arch = System.getProperty("os.arch");
    return switch (arch) {
      case "amd64", "x86_64" -> "amd64";
      case "aarch64", "arm64" -> "arm64";
      default -> throw new IllegalStateException("no image for the architecture " + arch);
    };
  }

  /** The application's layers, as Quarkus's fast-jar packaging lays it out. */
  static List<FileEntriesLayer> layers(Path application) throws IOException {
    List<FileEntriesLayer> layers = new ArrayList<>();
    layers.add(layer("dependencies", application, List.of("lib")));
    layers.add(layer("quarkus", application, List.of("quarkus")));
    layers.add(layer("application", application, List.of("app", "quarkus-run.jar")));
    return layers;
  }

  private static FileEntriesLayer layer(String name, Path application, List<String> paths)
      throws IOException {
    FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName(name);
    for (String path : paths) {
      Path source = application.resolve(path);
      if (!Files.exists(source)) {
        throw new IllegalStateException(source + " is missing: run ./mvnw package");
      }
      // Owned by root and read-only for the operator's user: nothing in the image is written.
      layer.addEntryRecursive(source, HOME.resolve(path));
    }
    return layer.build();
  }

  private static Map<String, String> labels(String reference) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("org.opencontainers.image.title", "pitr-operator");
    labels.put(
        "org.opencontainers.image.description",
        "Kubernetes operator that manages Amazon DynamoDB point-in-time recovery");
    labels.put("org.opencontainers.image.source", "https://github.com/pitr-io/pitr-operator");
    labels.put(
        "org.opencontainers.image.version", reference.substring(reference.lastIndexOf(':') + 1));
    return labels;
  }
}
