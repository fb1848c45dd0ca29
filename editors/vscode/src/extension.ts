// Starts `hullscan lsp` for the workspace: diagnostics, suppressions, rule documentation on hover.
// Every file is sent, as `hullscan scan` reads every file (secrets hide in any of them).
import { ExtensionContext, workspace } from "vscode";
import { LanguageClient, LanguageClientOptions, ServerOptions, TransportKind } from "vscode-languageclient/node";

let client: LanguageClient | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
  const [command, ...args] = workspace.getConfiguration("hullscan").get<string[]>("command", ["hullscan", "lsp"]);
  const server: ServerOptions = { command, args, transport: TransportKind.stdio };
  const options: LanguageClientOptions = {
    documentSelector: [{ scheme: "file" }, { scheme: "untitled" }],
    synchronize: { fileEvents: workspace.createFileSystemWatcher("**/*") },
  };
  client = new LanguageClient("hullscan", "hullscan", server, options);
  context.subscriptions.push(client);
  await client.start();
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
