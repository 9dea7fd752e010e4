import Foundation
import Hummingbird

/// What every console page shares: where the console is mounted, the environments served, who is looking, and the
/// layout around a page's content (header, navigation, sign-in state, footer).
struct ConsoleFrame: Sendable {
    enum Section: String, Sendable {
        case overview, blocks, instances, history, signIn
    }

    let basePath: String
    let environments: [String]
    let identity: APIIdentity?
    /// The token the session's forms carry; nil when nobody is signed in.
    let formToken: String?
    let publicRead: Bool

    var mayOperate: Bool { identity?.role == .operate }

    /// A path under the base path: `/environments/dev/blocks` → `/tradu/environments/dev/blocks`.
    func link(_ path: String) -> String { basePath + path }

    /// An environment's page: `environments/<env>/<rest>` with the name percent-encoded.
    func link(environment: String, _ rest: String) -> String {
        link("/environments/\(ConsoleFrame.pathSegment(environment))/\(rest)")
    }

    static func pathSegment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }

    /// A whole page: the layout around `content`. A page with `live` re-reads that URL every two seconds while it is
    /// shown, and replaces the region marked `data-live` with the answer.
    func page(
        title: String, environment: String? = nil, section: Section, content: HTML, live: String? = nil,
        status: HTTPResponse.Status = .ok
    ) -> Response {
        let navigation: [HTML] =
            environment.map { environment in
                [
                    tab("Blocks", link(environment: environment, "blocks"), section == .blocks),
                    tab("Instances", link(environment: environment, "instances"), section == .instances),
                    tab("History", link(environment: environment, "history"), section == .history),
                ]
            } ?? []
        let environmentPicker: HTML =
            environment == nil || environments.count < 2
            ? HTML.empty
            : """
            <label class="picker">Environment <select data-navigate aria-label="Environment">\(environments.map { name in
                HTML("<option value=\"\(link(environment: name, section == .overview ? "blocks" : section.rawValue))\"\(name == environment ? HTML(" selected") : HTML.empty)>\(name)</option>")
            })</select></label>
            """
        let signedIn: HTML =
            if let identity {
                """
                <form method="post" action="\(link("/sign-out"))" class="inline">\(formTokenField)<span class="who">\(identity.name) <span class="role">\(identity.role.rawValue)</span></span> <button type="submit" class="link">Sign out</button></form>
                """
            } else if section == .signIn {
                HTML.empty
            } else {
                """
                <a href="\(link("/sign-in"))">Sign in</a>\(publicRead ? HTML(" <span class=\"role\">public read</span>") : HTML.empty)
                """
            }
        let body: HTML = """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="color-scheme" content="light dark">
            <title>\(title) · tradu</title>
            <link rel="stylesheet" href="\(link("/assets/console.css"))">
            <link rel="icon" href="\(link("/assets/icon.svg"))" type="image/svg+xml">
            <script src="\(link("/assets/console.js"))" defer></script>
            </head>
            <body>
            <a class="skip" href="#main">Skip to content</a>
            <header class="top">
            <nav aria-label="Main">
            <a class="brand" href="\(link("/"))"\(section == .overview ? HTML(" aria-current=\"page\"") : HTML.empty)>tradu</a>
            \(environment.map { HTML("<span class=\"env\">\($0)</span>") } ?? HTML.empty)
            \(navigation)
            \(environmentPicker)
            </nav>
            <div class="session">\(signedIn)</div>
            </header>
            <main id="main" tabindex="-1">
            <h1>\(title)</h1>
            \(live.map { live in HTML("<div data-live=\"\(live)\">\(content)</div><p class=\"updated\" data-updated></p>") } ?? content)
            </main>
            </body>
            </html>
            """
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body.text)))
    }

    /// Only the live region's content, for the page's script to swap in.
    func fragment(_ content: HTML) -> Response {
        Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: content.text)))
    }

    /// The hidden field every form of a signed-in page carries.
    var formTokenField: HTML {
        formToken.map { HTML("<input type=\"hidden\" name=\"formToken\" value=\"\($0)\">") } ?? HTML.empty
    }

    /// An action behind a confirmation: a disclosure that opens a form asking why, then a button that does it.
    /// Works from the keyboard and without script. Shown only to an identity with the operate role.
    func action(_ label: String, to path: String, detail: String, danger: Bool = false) -> HTML {
        guard mayOperate else { return HTML.empty }
        let id = "reason-" + String(UInt(bitPattern: (path + label).hashValue) % 1_000_000_007)
        return """
            <details class="action"><summary class="button\(danger ? HTML(" danger") : HTML.empty)">\(label)…</summary>
            <form method="post" action="\(path)">\(formTokenField)
            <p>\(detail)</p>
            <label for="\(id)">Reason (recorded with your name)</label>
            <input id="\(id)" name="reason" required maxlength="500" autocomplete="off">
            <button type="submit" class="button\(danger ? HTML(" danger") : HTML.empty)">Confirm: \(label.lowercased())</button>
            </form></details>
            """
    }

    private func tab(_ label: String, _ href: String, _ current: Bool) -> HTML {
        "<a href=\"\(href)\"\(current ? HTML(" aria-current=\"page\"") : HTML.empty)>\(label)</a>"
    }
}
