//! `muster token ...`, `muster login` and `muster logout`.

use std::io::{BufRead as _, IsTerminal as _, Read as _, Write as _};

use muster_api_types::LoginRequest;
use muster_client::Client;

use super::output::{self, print_json, print_text};
use super::profile::{self, Profile, ProfileStore};
use super::{Failure, LoginArgs, OutputFormat, RemoteOptions, TokenCommand, connect};

pub(crate) async fn run(cmd: TokenCommand, opts: &RemoteOptions) -> Result<(), Failure> {
    let client = connect(opts)?;
    let json = opts.output == OutputFormat::Json;
    match cmd {
        TokenCommand::Create { name } => {
            let created = client.create_token(&name).await?;
            if json {
                return print_json(&created);
            }
            print_text(&format!(
                "Token {} ({}) created. Its secret, shown only this once:\n\n    {}\n\n",
                created.token.name, created.token.id, created.secret
            ))
        }
        TokenCommand::List { all } => {
            let tokens = client.list_tokens(all).await?;
            if json {
                print_json(&tokens)
            } else {
                print_text(&output::token_list(&tokens.tokens))
            }
        }
        TokenCommand::Revoke { id } => {
            let token = client.revoke_token(id).await?;
            if json {
                print_json(&token)
            } else {
                print_text(&format!("Token {} ({}) revoked.\n", token.name, token.id))
            }
        }
    }
}

pub(crate) async fn login(args: LoginArgs, opts: &RemoteOptions) -> Result<(), Failure> {
    let store = ProfileStore::locate()?;
    let name = profile::profile_name(opts);
    let previous = store.get(name)?;
    let url = opts
        .url
        .clone()
        .or_else(|| previous.as_ref().map(|p| p.url.clone()))
        .ok_or_else(|| Failure::usage("muster login needs --url or MUSTER_URL"))?;
    // Checked before asking for a password, which would otherwise be typed in vain.
    let client = Client::new(&url, None)?;

    let email = match args.email {
        Some(email) => email,
        None if args.password_stdin => {
            return Err(Failure::usage("--password-stdin needs --email"));
        }
        None => ask_email()?,
    };
    let password = if args.password_stdin {
        password_from_stdin()?
    } else {
        rpassword::prompt_password("Password: ").map_err(|e| {
            Failure::usage(format!(
                "cannot ask for a password ({e}); use --password-stdin"
            ))
        })?
    };
    if password.is_empty() {
        return Err(Failure::usage("empty password"));
    }

    let request = LoginRequest {
        email,
        password,
        token_name: Some(args.token_name.unwrap_or_else(default_token_name)),
    };
    let created = client.login(&request).await?;
    let signed_in = client.with_token(Some(created.secret.clone()));

    // Re-login would otherwise leave the old token valid on the server forever.
    if let Some(old) = previous.filter(|p| p.url == url)
        && let Some(old_id) = old.token_id
        && old_id != created.token.id
    {
        let _ = signed_in.revoke_token(old_id).await;
    }

    store.put(
        name,
        Profile {
            url: url.clone(),
            token: created.secret.clone(),
            token_id: Some(created.token.id),
        },
    )?;

    if opts.output == OutputFormat::Json {
        // The secret stays in the profile file; scripts that want one use `token create`.
        return print_json(&created.token);
    }
    let who = match signed_in.me().await {
        Ok(user) => format!(" as {} <{}>", user.name, user.email),
        Err(_) => String::new(),
    };
    print_text(&format!(
        "Logged in to {url}{who}. Profile {name:?} saved in {}\n",
        store.path().display()
    ))
}

pub(crate) async fn logout(opts: &RemoteOptions) -> Result<(), Failure> {
    let store = ProfileStore::locate()?;
    let name = profile::profile_name(opts);
    let Some(saved) = store.get(name)? else {
        output::hint(&format!("Not logged in: no profile {name:?}."));
        return Ok(());
    };
    if let Some(id) = saved.token_id {
        let revoked = match Client::new(&saved.url, Some(saved.token.clone())) {
            Ok(client) => client.revoke_token(id).await.map(|_| ()),
            Err(e) => Err(e),
        };
        if let Err(e) = revoked {
            output::hint(&format!(
                "warning: could not revoke the token on {}: {e}; revoke it with `muster token revoke {id}`",
                saved.url
            ));
        }
    }
    store.remove(name)?;
    print_text(&format!(
        "Logged out of {}; profile {name:?} removed.\n",
        saved.url
    ))
}

fn ask_email() -> Result<String, Failure> {
    if !std::io::stdin().is_terminal() {
        return Err(Failure::usage(
            "no terminal to ask for the email: use --email",
        ));
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "Email: ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::usage(format!("cannot read the email: {e}")))?;
    let email = line.trim().to_owned();
    if email.is_empty() {
        return Err(Failure::usage("no email given"));
    }
    Ok(email)
}

/// Takes stdin as is, less the line ending `echo` or a here-string adds: a password may
/// begin or end with other spaces.
fn password_from_stdin() -> Result<String, Failure> {
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Failure::usage(format!("cannot read the password from stdin: {e}")))?;
    Ok(strip_line_ending(text))
}

fn strip_line_ending(mut text: String) -> String {
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    text
}

/// Names the token after the machine, so `token list` tells which laptop holds which.
fn default_token_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_owned())
        .unwrap_or_default();
    if host.is_empty() {
        "muster-cli".to_owned()
    } else {
        format!("muster-cli@{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_final_line_ending_is_stripped() {
        assert_eq!(strip_line_ending("pw\n".into()), "pw");
        assert_eq!(strip_line_ending("pw\r\n".into()), "pw");
        assert_eq!(strip_line_ending(" pw \n\n".into()), " pw \n");
        assert_eq!(strip_line_ending("pw".into()), "pw");
    }

    #[test]
    fn token_names_mention_the_cli() {
        assert!(default_token_name().starts_with("muster-cli"));
    }
}
