using System;
using System.Text.RegularExpressions;

namespace VisionPS.Core.OpenAI
{
    /// <summary>
    /// Addresses as messages show them: never the user name or password a URI may carry (http://user:pass@proxy:8080),
    /// whatever their length or encoding; the secret scrubber is no help there, since it knows only the API key.
    /// </summary>
    public static class UriText
    {
        // scheme://userinfo@ in free text (an exception's message): the userinfo runs to the last '@' before the authority's
        // '/', '?' or '#' (or white space, '"', '<', '>', which end a URI quoted in text). Not before a "'": it is legal in
        // a password, and .NET keeps it as typed. Nor before a ',' or ';': both are legal in a password and .NET quotes them
        // as typed, so "http://example.com:80,me@example.com" loses "example.com:80,me@" (it is the host example.com with
        // that user information, for .NET and every URI parser); after one, white space ends it, as anywhere, so a list or
        // a sentence ("http://host:80, me@example.com") keeps what follows. A Uri object is never shown through this: see Shown(Uri).
        private static readonly Regex UserInfo = new Regex(@"(?<=\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s""<>]*@", RegexOptions.CultureInvariant);

        // Everything of an absolute URI but its user name and password.
        private const UriComponents AllButUserInfo = UriComponents.AbsoluteUri & ~UriComponents.UserInfo;

        /// <summary>scheme://host:port of an absolute URI (the port when not the scheme's own); a relative one as given, without any user name or password.</summary>
        public static string Address(Uri uri) => uri.IsAbsoluteUri
            ? uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)
            : WithoutUserInfo(uri.OriginalString);

        /// <summary>
        /// The URI as the user wrote it, less any user name and password: the text after "scheme://" up to the last '@'
        /// before the authority's end ('/', '?', '#', '\\'), whatever characters the password has (a quote, a space, an
        /// escaped '@'). Should what is left not parse to the same scheme, host and port without a user name, the parsed
        /// URI less its user name and password (<see cref="Absolute"/>) is shown instead.
        /// </summary>
        public static string Shown(Uri uri)
        {
            string text = uri.OriginalString;
            if (!uri.IsAbsoluteUri)
            {
                return WithoutUserInfo(text);
            }
            if (text.IndexOf('@') < 0)
            {
                return text;
            }
            int start = text.IndexOf("://", StringComparison.Ordinal);
            if (start < 0)
            {
                return Absolute(uri);
            }
            start += 3;
            int end = text.IndexOfAny(AuthorityEnd, start);
            end = end < 0 ? text.Length : end;
            int at = end > start ? text.LastIndexOf('@', end - 1, end - start) : -1;
            string shown = at < 0 ? text : text.Substring(0, start) + text.Substring(at + 1);
            return Uri.TryCreate(shown, UriKind.Absolute, out Uri? parsed) && parsed.UserInfo.Length == 0
                && string.Equals(Address(parsed), Address(uri), StringComparison.OrdinalIgnoreCase)
                ? shown
                : Absolute(uri);
        }

        private static readonly char[] AuthorityEnd = { '/', '?', '#', '\\' };

        /// <summary>What Uri.AbsoluteUri gives (escaped) less any user name and password; a relative URI as given, less anything like them.</summary>
        public static string Absolute(Uri uri) => uri.IsAbsoluteUri
            ? uri.GetComponents(AllButUserInfo, UriFormat.UriEscaped)
            : WithoutUserInfo(uri.OriginalString);

        /// <summary>An address kept as text (a batch record's endpoint) as <see cref="Shown(Uri)"/> shows it; text that is no absolute URI, as <see cref="ValueWithoutUserInfo"/> shows it.</summary>
        public static string Shown(string address) => Uri.TryCreate(address, UriKind.Absolute, out Uri? uri)
            ? Shown(uri)
            : ValueWithoutUserInfo(address);

        /// <summary>
        /// One address a user gave (not free text), which may not parse (a bad port, a raw space, '/' or '#' in its password):
        /// everything from after its first "://" to the last '@' in the whole value is left out, with no stop characters.
        /// Leaving out too much does no harm in a message about the user's own value; leaving a password in would.
        /// </summary>
        public static string ValueWithoutUserInfo(string value)
        {
            int start = value.IndexOf("://", StringComparison.Ordinal);
            int at = value.LastIndexOf('@');
            return start < 0 || at < start + 3 ? WithoutUserInfo(value) : value.Substring(0, start + 3) + value.Substring(at + 1);
        }

        /// <summary>
        /// A message that may quote <paramref name="uri"/> (.NET's proxy errors quote it in its readable form, spaces and
        /// quotes unescaped, which no pattern can tell from the text around it): every form of it, and its user name and
        /// password in every form, are taken out first, then any other URI's as <see cref="WithoutUserInfo(string)"/> does.
        /// </summary>
        public static string WithoutUserInfo(string text, Uri? uri)
        {
            if (uri is not null && uri.IsAbsoluteUri && uri.UserInfo.Length > 0)
            {
                string shown = Absolute(uri);
                foreach (string form in new[] { uri.ToString(), uri.OriginalString, uri.AbsoluteUri })
                {
                    text = text.Replace(form, shown); // ordinal
                }
                foreach (string info in new[] { uri.GetComponents(UriComponents.UserInfo, UriFormat.Unescaped), uri.GetComponents(UriComponents.UserInfo, UriFormat.SafeUnescaped), uri.UserInfo })
                {
                    text = text.Replace(info + "@", string.Empty);
                }
            }
            return WithoutUserInfo(text);
        }

        /// <summary>scheme://host:port/path of an absolute URI (what Uri.GetLeftPart(UriPartial.Path) gives), without any user name or password.</summary>
        public static string ToPath(Uri uri) => uri.IsAbsoluteUri
            ? uri.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped)
            : WithoutUserInfo(uri.OriginalString);

        /// <summary>The text with the user name and password taken out of every URI in it (.NET's proxy messages quote the proxy's whole URI).</summary>
        public static string WithoutUserInfo(string text) => text.IndexOf('@') < 0 ? text : UserInfo.Replace(text, string.Empty);

        /// <summary>
        /// Whether the URI's host is this computer: a loopback address, localhost, the fully qualified localhost. or a
        /// NAME.localhost (RFC 6761 keeps every such name on the loopback interface).
        /// </summary>
        public static bool IsLoopback(Uri uri)
        {
            if (!uri.IsAbsoluteUri)
            {
                return false;
            }
            if (uri.IsLoopback)
            {
                return true;
            }
            string host = uri.IdnHost.TrimEnd('.');
            return string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
                || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
        }
    }
}
