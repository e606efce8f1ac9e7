//! dockerd's command-line flags: names, shorthands, whether they take a value, and the daemon.json key they
//! set. Taken from moby's flag definitions (`daemon/command/{options,config,config_unix}.go` at
//! moby/moby@b985e2313a, and `cmd/dockerd` of the 20.10 line as `dockerd --help` prints it), plus the
//! deprecated spellings older daemons still accept. A flag missing from this table is reported as unknown;
//! it never makes the parser guess.

/// How a flag is written and where its value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A boolean: `--icc`, `--icc=false`; never takes the next argument.
    Bool,
    /// One value: `--log-level debug`, `--log-level=debug`.
    Value,
    /// Repeats into a list.
    List,
    /// Repeats as `key=value` into an object.
    Map,
}

/// One dockerd flag.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub name: &'static str,
    pub short: Option<char>,
    pub kind: Kind,
    /// The daemon.json key it sets.
    pub key: &'static str,
}

const fn f(name: &'static str, kind: Kind, key: &'static str) -> Flag {
    Flag {
        name,
        short: None,
        kind,
        key,
    }
}

const fn s(name: &'static str, short: char, kind: Kind, key: &'static str) -> Flag {
    Flag {
        name,
        short: Some(short),
        kind,
        key,
    }
}

use Kind::*;

/// Every flag dockerd accepts (current and 20.10), with deprecated aliases.
pub const FLAGS: &[Flag] = &[
    f("add-runtime", List, "runtimes"),
    f("allow-direct-routing", Bool, "allow-direct-routing"),
    f(
        "allow-nondistributable-artifacts",
        List,
        "allow-nondistributable-artifacts",
    ),
    f("api-cors-header", Value, "api-cors-header"),
    f("api-enable-cors", Bool, "api-enable-cors"),
    f("authorization-plugin", List, "authorization-plugins"),
    f("bip", Value, "bip"),
    f("bip6", Value, "bip6"),
    s("bridge", 'b', Value, "bridge"),
    f("bridge-accept-fwmark", Value, "bridge-accept-fwmark"),
    f("cdi-spec-dir", List, "cdi-spec-dirs"),
    f("cgroup-parent", Value, "cgroup-parent"),
    f("cluster-advertise", Value, "cluster-advertise"),
    f("cluster-store", Value, "cluster-store"),
    f("cluster-store-opt", Map, "cluster-store-opts"),
    f("config-file", Value, "config-file"),
    f("containerd", Value, "containerd"),
    f("containerd-namespace", Value, "containerd-namespace"),
    f(
        "containerd-plugins-namespace",
        Value,
        "containerd-plugins-namespace",
    ),
    f("cpu-rt-period", Value, "cpu-rt-period"),
    f("cpu-rt-runtime", Value, "cpu-rt-runtime"),
    f("cri-containerd", Bool, "cri-containerd"),
    f("data-root", Value, "data-root"),
    s("debug", 'D', Bool, "debug"),
    f("default-address-pool", List, "default-address-pools"),
    f("default-cgroupns-mode", Value, "default-cgroupns-mode"),
    f("default-gateway", Value, "default-gateway"),
    f("default-gateway-v6", Value, "default-gateway-v6"),
    f("default-ipc-mode", Value, "default-ipc-mode"),
    f("default-network-opt", List, "default-network-opts"),
    f("default-runtime", Value, "default-runtime"),
    f("default-shm-size", Value, "default-shm-size"),
    f("default-stop-timeout", Value, "default-stop-timeout"),
    f("default-ulimit", Map, "default-ulimits"),
    f("disable-legacy-registry", Bool, "disable-legacy-registry"),
    f("dns", List, "dns"),
    f("dns-opt", List, "dns-opts"),
    f("dns-search", List, "dns-search"),
    f("exec-opt", List, "exec-opts"),
    f("exec-root", Value, "exec-root"),
    f("experimental", Bool, "experimental"),
    f("feature", List, "features"),
    f("firewall-backend", Value, "firewall-backend"),
    f("fixed-cidr", Value, "fixed-cidr"),
    f("fixed-cidr-v6", Value, "fixed-cidr-v6"),
    s("graph", 'g', Value, "data-root"),
    s("group", 'G', Value, "group"),
    s("help", 'h', Bool, "help"),
    s("host", 'H', List, "hosts"),
    f("host-gateway-ip", List, "host-gateway-ips"),
    f("http-proxy", Value, "http-proxy"),
    f("https-proxy", Value, "https-proxy"),
    f("icc", Bool, "icc"),
    f("init", Bool, "init"),
    f("init-path", Value, "init-path"),
    f("insecure-registry", List, "insecure-registries"),
    f("ip", Value, "ip"),
    f("ip-forward", Bool, "ip-forward"),
    f("ip-forward-no-drop", Bool, "ip-forward-no-drop"),
    f("ip-masq", Bool, "ip-masq"),
    f("ip6tables", Bool, "ip6tables"),
    f("iptables", Bool, "iptables"),
    f("ipv6", Bool, "ipv6"),
    f("label", List, "labels"),
    f("live-restore", Bool, "live-restore"),
    f("log-driver", Value, "log-driver"),
    f("log-format", Value, "log-format"),
    s("log-level", 'l', Value, "log-level"),
    f("log-opt", Map, "log-opts"),
    f(
        "max-concurrent-downloads",
        Value,
        "max-concurrent-downloads",
    ),
    f("max-concurrent-uploads", Value, "max-concurrent-uploads"),
    f("max-download-attempts", Value, "max-download-attempts"),
    f("metrics-addr", Value, "metrics-addr"),
    f("mtu", Value, "mtu"),
    f(
        "network-control-plane-mtu",
        Value,
        "network-control-plane-mtu",
    ),
    f("network-diagnostic-port", Value, "network-diagnostic-port"),
    f("no-new-privileges", Bool, "no-new-privileges"),
    f("no-proxy", Value, "no-proxy"),
    f("node-generic-resource", List, "node-generic-resources"),
    f("nri-opts", Value, "nri-opts"),
    f("oom-score-adjust", Value, "oom-score-adjust"),
    s("pidfile", 'p', Value, "pidfile"),
    f("raw-logs", Bool, "raw-logs"),
    f("registry-mirror", List, "registry-mirrors"),
    s("restart", 'r', Bool, "restart"),
    f("rootless", Bool, "rootless"),
    f("seccomp-profile", Value, "seccomp-profile"),
    f("selinux-enabled", Bool, "selinux-enabled"),
    f("shutdown-timeout", Value, "shutdown-timeout"),
    s("storage-driver", 's', Value, "storage-driver"),
    f("storage-opt", List, "storage-opts"),
    f(
        "swarm-default-advertise-addr",
        Value,
        "swarm-default-advertise-addr",
    ),
    f("tls", Bool, "tls"),
    f("tlscacert", Value, "tlscacert"),
    f("tlscert", Value, "tlscert"),
    f("tlskey", Value, "tlskey"),
    f("tlsverify", Bool, "tlsverify"),
    f("userland-proxy", Bool, "userland-proxy"),
    f("userland-proxy-path", Value, "userland-proxy-path"),
    f("userns-remap", Value, "userns-remap"),
    f("validate", Bool, "validate"),
    s("version", 'v', Bool, "version"),
];

/// The flag of a long name (`log-level`).
pub fn long(name: &str) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.name == name)
}

/// The flag of a shorthand (`l`).
pub fn short(c: char) -> Option<&'static Flag> {
    FLAGS.iter().find(|f| f.short == Some(c) && c != '\0')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_shorthands_are_unique() {
        let mut names: Vec<_> = FLAGS.iter().map(|f| f.name).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate flag name");
        let mut shorts: Vec<_> = FLAGS
            .iter()
            .filter_map(|f| f.short)
            .filter(|c| *c != '\0')
            .collect();
        shorts.sort();
        let n = shorts.len();
        shorts.dedup();
        assert_eq!(n, shorts.len(), "duplicate shorthand");
    }

    /// Every flag that `dockerd --help` of Debian's docker.io 20.10 lists is in the table, with the right arity.
    #[test]
    fn covers_dockerd_20_10_help() {
        let help = include_str!("../testdata/dockerd-20.10-help.txt");
        let mut seen = 0;
        for line in help.lines() {
            let t = line.trim_start();
            let Some(rest) = t
                .strip_prefix("--")
                .or_else(|| t.get(4..).and_then(|r| r.strip_prefix("--")))
            else {
                continue;
            };
            let mut words = rest.split_whitespace();
            let name = words.next().unwrap();
            // pflag prints a type word after flags that take a value; booleans have their description next.
            let typ = words.next().unwrap_or("");
            let takes_value = matches!(
                typ,
                "string"
                    | "int"
                    | "list"
                    | "map"
                    | "ip"
                    | "bytes"
                    | "ulimit"
                    | "runtime"
                    | "pool-options"
            );
            let flag = long(name).unwrap_or_else(|| panic!("--{name} is not in the table"));
            assert_eq!(
                flag.kind != Kind::Bool,
                takes_value,
                "--{name}: table says {:?}, help says {typ:?}",
                flag.kind
            );
            seen += 1;
        }
        assert!(seen >= 75, "only {seen} flags read from the help text");
    }
}
