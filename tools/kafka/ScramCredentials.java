// Creates, replaces and deletes SCRAM-SHA-512 credentials (Kafka's AlterUserScramCredentials),
// which kafkajs cannot do. Run by tools/kafka/kafka.cjs alterScramUsers()
// (compiled once into infra/kafka/target/scram-tool, run against the broker jars): one JVM for every user.
//
// stdin, one tab-separated line each (passwords never appear on a command line):
//   bootstrap <host:port,...>
//   admin     <username> <password>      the super user it connects as (SASL/SCRAM-SHA-512)
//   upsert    <username> <password>      create or replace the credential
//   delete    <username>                 remove it (absent already is fine)
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialDeletion;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.errors.ResourceNotFoundException;

public class ScramCredentials {
  // Kafka's minimum for SCRAM-SHA-512 is 4096; the broker refuses fewer.
  private static final int ITERATIONS = 4096;

  public static void main(String[] args) throws Exception {
    String bootstrap = null;
    String adminUser = null;
    String adminPassword = null;
    List<UserScramCredentialAlteration> alterations = new ArrayList<>();
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.isBlank()) continue;
      String[] f = line.split("\t", -1);
      switch (f[0]) {
        case "bootstrap" -> bootstrap = f[1];
        case "admin" -> { adminUser = f[1]; adminPassword = f[2]; }
        case "upsert" -> alterations.add(new UserScramCredentialUpsertion(f[1], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), f[2]));
        case "delete" -> alterations.add(new UserScramCredentialDeletion(f[1], ScramMechanism.SCRAM_SHA_512));
        default -> throw new IllegalArgumentException("unknown line type " + f[0]);
      }
    }
    if (bootstrap == null || adminUser == null) throw new IllegalArgumentException("bootstrap and admin lines are required");

    Properties props = new Properties();
    props.put(AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT");
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put("sasl.mechanism", "SCRAM-SHA-512");
    props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
        + adminUser + "\" password=\"" + adminPassword + "\";");
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
    try (Admin admin = Admin.create(props)) {
      var results = admin.alterUserScramCredentials(alterations).values();
      int failed = 0;
      for (var e : results.entrySet()) {
        try {
          e.getValue().get();
          System.out.println("ok " + e.getKey());
        } catch (ExecutionException ex) {
          // Deleting a credential that does not exist is the state we wanted.
          if (ex.getCause() instanceof ResourceNotFoundException) {
            System.out.println("absent " + e.getKey());
          } else {
            failed++;
            System.err.println("failed " + e.getKey() + ": " + ex.getCause());
          }
        }
      }
      if (failed > 0) System.exit(1);
    }
  }
}
