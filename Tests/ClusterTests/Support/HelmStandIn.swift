import Foundation

/// A `helm` stand-in: a bash script written into a temporary directory that records each
/// argument vector, fails or hangs on demand like real helm, and — when given the test
/// server's address — "installs" by creating the chart's workloads through the API with curl
/// (and "uninstalls" by deleting them), as helm would.
struct HelmStandIn: Sendable {
    let directory: String
    var executable: String { (directory as NSString).appendingPathComponent("helm") }

    init(server: KubeTestServer? = nil) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("urumi-helm-standin-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory + "/calls", withIntermediateDirectories: true)
        try Self.script(directory).write(toFile: executable, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: executable)
        if let server {
            let certificates = server.certificates
            let env = """
                SERVER='\(server.url)'
                CA='\(certificates.caCertificate)'
                CERT='\(certificates.clientCertificate)'
                KEY='\(certificates.clientKey)'

                """
            try env.write(toFile: directory + "/api.env", atomically: true, encoding: .utf8)
        }
    }

    /// Every run of `command` ("install", "uninstall", "version") exits with `code` and prints
    /// `stderr`, until `clear`.
    func fail(_ command: String, exitCode: Int32 = 1, stderr: String) throws {
        try "\(exitCode)\n\(stderr)\n".write(toFile: "\(directory)/fail-\(command)", atomically: true, encoding: .utf8)
    }

    /// The next run of `command` only exits with `code` and prints `stderr`.
    func failOnce(_ command: String, exitCode: Int32 = 1, stderr: String) throws {
        try "\(exitCode)\n\(stderr)\n".write(toFile: "\(directory)/fail-once-\(command)", atomically: true, encoding: .utf8)
    }

    /// What `helm history -o json` prints.
    func setHistory(_ json: String) throws {
        try json.write(toFile: "\(directory)/history.json", atomically: true, encoding: .utf8)
    }

    /// Every run of `command` hangs (with a child that ignores SIGTERM), until `clear`.
    func hang(_ command: String) throws {
        try "".write(toFile: "\(directory)/hang-\(command)", atomically: true, encoding: .utf8)
    }

    /// Every run of `command` waits (after recording its call) until `unblock`.
    func block(_ command: String) throws {
        try "".write(toFile: "\(directory)/block-\(command)", atomically: true, encoding: .utf8)
    }

    func unblock(_ command: String) {
        try? FileManager.default.removeItem(atPath: "\(directory)/block-\(command)")
    }

    func clear(_ command: String) {
        try? FileManager.default.removeItem(atPath: "\(directory)/fail-\(command)")
        try? FileManager.default.removeItem(atPath: "\(directory)/hang-\(command)")
    }

    /// The argument vectors of every run, in order.
    func calls() -> [[String]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory + "/calls")) ?? []).sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: "\(directory)/calls/\(name)") else { return nil }
            return String(decoding: data, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false)
                .dropLast().map(String.init)
        }
    }

    /// What the last install saw: the values file's text and permission bits, and whether the
    /// file still existed at the end of the run.
    func lastValues() -> (text: String, mode: String)? {
        guard let text = try? String(contentsOfFile: directory + "/last-values.yaml", encoding: .utf8),
            let mode = try? String(contentsOfFile: directory + "/last-values.mode", encoding: .utf8)
        else { return nil }
        return (text, mode.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The admin password the last install of `release` generated (what the Secret holds).
    func password(of release: String) -> String? {
        try? String(contentsOfFile: "\(directory)/password-\(release)", encoding: .utf8)
    }

    /// The environment variable names of the last run.
    func lastEnvironmentNames() -> [String] {
        let text = (try? String(contentsOfFile: directory + "/last-env", encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }
    }

    /// The pids recorded by a hanging run: the stand-in itself and its child.
    func hangPIDs(_ command: String) -> (helm: Int32, child: Int32)? {
        guard let helm = try? String(contentsOfFile: "\(directory)/hang-\(command).pid", encoding: .utf8),
            let child = try? String(contentsOfFile: "\(directory)/hang-\(command).child", encoding: .utf8),
            let a = Int32(helm.trimmingCharacters(in: .whitespacesAndNewlines)),
            let b = Int32(child.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return nil }
        return (a, b)
    }

    private static func script(_ directory: String) -> String {
        #"""
        #!/usr/bin/env bash
        # helm stand-in written by Urumi's ClusterTests.
        dir='\#(directory)'
        n=$(ls "$dir/calls" | wc -l)
        printf '%s\0' "$@" > "$dir/calls/$(printf %05d "$n")-$$"
        env > "$dir/last-env"
        cmd="$1"
        [ "$cmd" = upgrade ] && cmd=install
        while [ -f "$dir/block-$cmd" ]; do sleep 0.05; done
        if [ -f "$dir/hang-$cmd" ]; then
          echo $$ > "$dir/hang-$cmd.pid"
          (trap '' TERM; exec sleep 600) &
          echo $! > "$dir/hang-$cmd.child"
          wait
        fi
        if [ -f "$dir/fail-once-$cmd" ]; then
          code=$(head -n1 "$dir/fail-once-$cmd")
          tail -n +2 "$dir/fail-once-$cmd" >&2
          rm -f "$dir/fail-once-$cmd"
          exit "$code"
        fi
        if [ -f "$dir/fail-$cmd" ]; then
          code=$(head -n1 "$dir/fail-$cmd")
          tail -n +2 "$dir/fail-$cmd" >&2
          exit "$code"
        fi
        # The value after the last occurrence of a flag (helm: later --values files win).
        value_after() { local want=$1 found=""; shift; while [ $# -gt 0 ]; do [ "$1" = "$want" ] && found=$2; shift; done; echo "$found"; }
        ns=$(value_after --namespace "$@")
        values_files=()
        prev=""
        for arg in "$@"; do [ "$prev" = --values ] && values_files+=("$arg"); prev=$arg; done
        api() { # method path [body]: prints the HTTP status (also logged)
          [ -f "$dir/api.env" ] || return 0
          . "$dir/api.env"
          local code
          code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CA" --cert "$CERT" --key "$KEY" \
            -H 'Content-Type: application/json' -X "$1" ${3:+--data "$3"} "$SERVER$2")
          echo "$code" >> "$dir/api.log"
          echo "$code"
        }
        workload() { # kind apiVersion resource name component [replicas]
          printf '{"apiVersion":"%s","kind":"%s","metadata":{"name":"%s","labels":{"app.kubernetes.io/instance":"%s","app.kubernetes.io/component":"%s"}},"spec":{"replicas":%s,"template":{"metadata":{"labels":{"app.kubernetes.io/instance":"%s","app.kubernetes.io/component":"%s"}},"spec":{"containers":[{"name":"main","image":"docker.io/library/%s:test"}]}}}}' \
            "$2" "$1" "$4" "$release" "$5" "${6:-1}" "$release" "$5" "$5"
        }
        put() { # collection name body: create, or replace what exists (as helm applies a release)
          [ "$(api POST "$1" "$3")" = 409 ] && api PUT "$1/$2" "$3" >/dev/null
          return 0
        }
        # SECTION.KEY as the merged --values files set it (later files win), e.g. `setting
        # backup enabled` or `setting backup bucket` (backup.s3.bucket): a two-level reading
        # of the YAML these tests write, not a parser.
        setting() {
          [ ${#values_files[@]} -gt 0 ] || return 0
          awk -v s="$1:" -v k="$2:" '/^[^ #]/ { top = $1 } top == s && $1 == k { v = $2 } END { print v }' "${values_files[@]}"
        }
        simple() { # kind apiVersion name component: an object without a workload's spec
          printf '{"apiVersion":"%s","kind":"%s","metadata":{"name":"%s","labels":{"app.kubernetes.io/instance":"%s","app.kubernetes.io/component":"%s"}},"spec":{}}' \
            "$2" "$1" "$3" "$release" "$4"
        }
        # Creates an object when missing: these objects' specs never change here, and a test may
        # have put a fuller one in place (the backup CronJob with its Job template).
        ensure() { # collection name body
          api POST "$1" "$3" >/dev/null
        }
        # Applies the objects of one revision's values, like the chart: the Services and volume
        # claims always, the Ingress and the backup and canary CronJobs when the platform's
        # values turn them on; suspended scales MySQL and WordPress to zero, shows the
        # maintenance page (Deployment and Service), drops the canary and runs no setup Job.
        apply_values() {
          local values=$1 replicas=1 suspended=false
          grep -q '^suspended: true' "$values" && { suspended=true; replicas=0; }
          put "/apis/apps/v1/namespaces/$ns/statefulsets" "$release-mysql" "$(workload StatefulSet apps/v1 statefulsets "$release-mysql" mysql $replicas)"
          put "/apis/apps/v1/namespaces/$ns/deployments" "$release-wordpress" "$(workload Deployment apps/v1 deployments "$release-wordpress" wordpress $replicas)"
          local component
          for component in mysql wordpress; do
            ensure "/api/v1/namespaces/$ns/services" "$release-$component" "$(simple Service v1 "$release-$component" $component)"
          done
          ensure "/api/v1/namespaces/$ns/persistentvolumeclaims" "data-$release-mysql-0" "$(simple PersistentVolumeClaim v1 "data-$release-mysql-0" mysql)"
          ensure "/api/v1/namespaces/$ns/persistentvolumeclaims" "$release-wordpress" "$(simple PersistentVolumeClaim v1 "$release-wordpress" wordpress)"
          if [ "$(setting ingress enabled)" = true ]; then
            ensure "/apis/networking.k8s.io/v1/namespaces/$ns/ingresses" "$release" "$(simple Ingress networking.k8s.io/v1 "$release" wordpress)"
          fi
          if [ "$(setting backup enabled)" = true ]; then
            ensure "/apis/batch/v1/namespaces/$ns/cronjobs" "$release-backup" "$(simple CronJob batch/v1 "$release-backup" backup)"
            [ -z "$(setting backup bucket)" ] && ensure "/api/v1/namespaces/$ns/persistentvolumeclaims" "$release-backups" "$(simple PersistentVolumeClaim v1 "$release-backups" backup)"
          fi
          local old_job=""
          [ -f "$dir/job-$release" ] && old_job=$(cat "$dir/job-$release")
          if $suspended; then
            put "/apis/apps/v1/namespaces/$ns/deployments" "$release-maintenance" "$(workload Deployment apps/v1 deployments "$release-maintenance" maintenance 1)"
            ensure "/api/v1/namespaces/$ns/services" "$release-maintenance" "$(simple Service v1 "$release-maintenance" maintenance)"
            api DELETE "/apis/batch/v1/namespaces/$ns/cronjobs/$release-canary" >/dev/null
            [ -n "$old_job" ] && api DELETE "/apis/batch/v1/namespaces/$ns/jobs/$old_job" >/dev/null
            rm -f "$dir/job-$release"
          else
            api DELETE "/apis/apps/v1/namespaces/$ns/deployments/$release-maintenance" >/dev/null
            api DELETE "/api/v1/namespaces/$ns/services/$release-maintenance" >/dev/null
            if [ "$(setting canary enabled)" = true ]; then
              ensure "/apis/batch/v1/namespaces/$ns/cronjobs" "$release-canary" "$(simple CronJob batch/v1 "$release-canary" canary)"
            fi
            # Like the chart: the setup Job's name ends in a hash of its inputs (here: the values).
            local job="$release-setup-$(sha256sum "$values" | cut -c1-8)"
            if [ "$job" != "$old_job" ]; then
              [ -n "$old_job" ] && api DELETE "/apis/batch/v1/namespaces/$ns/jobs/$old_job" >/dev/null
              api POST "/apis/batch/v1/namespaces/$ns/jobs" "$(workload Job batch/v1 jobs "$job" setup)" >/dev/null
              echo "$job" > "$dir/job-$release"
            fi
          fi
        }
        # Each upgrade or rollback is a revision: its values are kept in rev-RELEASE/N.yaml.
        record_revision() {
          mkdir -p "$dir/rev-$release"
          local n=$(( $(ls "$dir/rev-$release" | wc -l) + 1 ))
          cp "$1" "$dir/rev-$release/$n.yaml"
          echo "$n"
        }
        # Like helm, a command that talks to the cluster first checks that it answers.
        if [ "$cmd" != version ] && [ -f "$dir/api.env" ]; then
          . "$dir/api.env"
          if ! curl -s -o /dev/null --max-time 5 --cacert "$CA" --cert "$CERT" --key "$KEY" "$SERVER/version"; then
            echo "Error: Kubernetes cluster unreachable: Get \"$SERVER/version\": dial tcp ${SERVER#https://}: connect: connection refused" >&2
            exit 1
          fi
        fi
        case "$1" in
          version)
            echo "v3.16.4+gstandin"
            ;;
          history)
            release=$2
            if [ -f "$dir/history.json" ]; then
              cat "$dir/history.json"
            elif [ -d "$dir/rev-$release" ]; then
              n=$(ls "$dir/rev-$release" | wc -l)
              printf '[{"revision":%s,"status":"deployed","updated":"%s"}]\n' "$n" "$(date -u +%Y-%m-%dT%H:%M:%S.000000000Z)"
            else
              echo '[]'
            fi
            ;;
          get)
            # `helm get values RELEASE --revision N --output yaml`: that revision's values file.
            release=$3
            rev=$(value_after --revision "$@")
            [ -f "$dir/rev-$release/$rev.yaml" ] || { echo "Error: release: not found" >&2; exit 1; }
            cat "$dir/rev-$release/$rev.yaml"
            ;;
          rollback)
            release=$2
            # A release this stand-in did not install (a test set its history): nothing to apply.
            [ -d "$dir/rev-$release" ] || { echo "Rollback was a success! Happy Helming!"; exit 0; }
            n=$(ls "$dir/rev-$release" 2>/dev/null | wc -l)
            to=$3
            case "$to" in ''|-*) to=$((n - 1)) ;; esac
            [ -f "$dir/rev-$release/$to.yaml" ] || { echo "Error: release has no $to version" >&2; exit 1; }
            cp "$dir/rev-$release/$to.yaml" "$dir/rollback-values.yaml"
            apply_values "$dir/rollback-values.yaml"
            record_revision "$dir/rollback-values.yaml" >/dev/null
            echo "Rollback was a success! Happy Helming!"
            ;;
          upgrade)
            release=$3
            values=$(value_after --values "$@")
            cp "$values" "$dir/last-values.yaml"
            stat -c %a "$values" > "$dir/last-values.mode"
            # Like the chart's Secret: generated once (a second install gets 409 and keeps it).
            if [ ! -f "$dir/password-$release" ]; then
              password=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
              printf '%s' "$password" > "$dir/password-$release"
              api POST "/api/v1/namespaces/$ns/secrets" "$(printf '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"%s-credentials","labels":{"app.kubernetes.io/instance":"%s","app.kubernetes.io/component":"credentials"}},"type":"Opaque","data":{"wordpress-admin-user":"%s","wordpress-admin-password":"%s"}}' \
                "$release" "$release" "$(printf admin | base64)" "$(printf '%s' "$password" | base64)")" >/dev/null
            fi
            apply_values "$values"
            record_revision "$values" >/dev/null
            echo "Release \"$release\" has been upgraded. Happy Helming!"
            ;;
          uninstall)
            release=$2
            api DELETE "/apis/apps/v1/namespaces/$ns/statefulsets/$release-mysql" >/dev/null
            api DELETE "/apis/apps/v1/namespaces/$ns/deployments/$release-wordpress" >/dev/null
            api DELETE "/apis/apps/v1/namespaces/$ns/deployments/$release-maintenance" >/dev/null
            # The Services, the Ingress and the CronJobs go; the volume claims stay (resource-policy: keep).
            for name in "$release-mysql" "$release-wordpress" "$release-maintenance"; do
              api DELETE "/api/v1/namespaces/$ns/services/$name" >/dev/null
            done
            api DELETE "/apis/networking.k8s.io/v1/namespaces/$ns/ingresses/$release" >/dev/null
            api DELETE "/apis/batch/v1/namespaces/$ns/cronjobs/$release-backup" >/dev/null
            api DELETE "/apis/batch/v1/namespaces/$ns/cronjobs/$release-canary" >/dev/null
            [ -f "$dir/job-$release" ] && api DELETE "/apis/batch/v1/namespaces/$ns/jobs/$(cat "$dir/job-$release")" >/dev/null
            rm -rf "$dir/rev-$release" "$dir/job-$release" "$dir/password-$release"
            echo "release \"$release\" uninstalled"
            ;;
        esac
        exit 0
        """#
    }
}
