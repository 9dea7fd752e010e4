import Hummingbird

/// `/sign-in`: the API's named tokens sign a person in to the console. The token goes in a password field, is
/// checked like a bearer token, and is not kept: the session cookie names the identity instead.
enum SignInPage {
    static func render(frame: ConsoleFrame, next: String, message: String? = nil, status: HTTPResponse.Status = .ok)
        -> Response
    {
        let notice: HTML =
            message.map { HTML("<p class=\"notice error-text\" role=\"alert\">\($0)</p>") }
            ?? (frame.publicRead
                ? "<p class=\"muted\">This server lets anyone read. Sign in to act (retry, cancel, pause, resume).</p>"
                : HTML.empty)
        let content: HTML = """
            \(notice)
            <form class="sign-in" method="post" action="\(frame.link("/sign-in"))">
            <input type="hidden" name="next" value="\(next)">
            <label for="token">Access token</label>
            <input id="token" name="token" type="password" required autocomplete="current-password" autofocus>
            <p class="muted">A token from the server's tokens file (<code>tradu serve --tokens</code>). Its name is recorded with every action you take.</p>
            <button type="submit" class="button">Sign in</button>
            </form>
            """
        return frame.page(title: "Sign in", section: .signIn, content: content, status: status)
    }

    /// Where to go after signing in: a path of this console (under the base path), never another site.
    static func safeNext(_ next: String?, basePath: String) -> String {
        let home = basePath + "/"
        guard let next, next.hasPrefix(basePath + "/"), !next.hasPrefix("//"), !next.contains("\\"),
            !next.contains("://")
        else { return home }
        return next
    }
}
