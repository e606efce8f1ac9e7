//! The `dockguard` command line: its clap definitions, shared with `cargo xtask` (which renders the man
//! pages from them). The subcommands themselves live in the binary.

pub mod cli;

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand's `--help` ends with examples, and every argument says what it is for.
    #[test]
    fn every_subcommand_has_examples_and_every_argument_a_description() {
        fn walk(cmd: &clap::Command, path: &str, problems: &mut Vec<String>) {
            let after = cmd
                .get_after_help()
                .map(|s| s.to_string())
                .unwrap_or_default();
            if !after.starts_with("Examples:") {
                problems.push(format!("`{path}` has no examples in --help"));
            }
            if cmd.get_about().is_none() && path != "dockguard" {
                problems.push(format!("`{path}` has no description"));
            }
            for arg in cmd.get_arguments() {
                let id = arg.get_id().as_str();
                if matches!(id, "help" | "version") {
                    continue;
                }
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    problems.push(format!("`{path}` argument {id} has no description"));
                }
            }
            for sub in cmd.get_subcommands() {
                if sub.get_name() == "help" {
                    continue;
                }
                walk(sub, &format!("{path} {}", sub.get_name()), problems);
            }
        }
        let cmd = crate::cli::Cli::command();
        cmd.clone().debug_assert();
        let mut problems = Vec::new();
        walk(&cmd, "dockguard", &mut problems);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
