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
        // scheme://userinfo@ : the userinfo runs to the last '@' before the host's '/', '?', '#', white space or a quote.
        private static readonly Regex UserInfo = new Regex(@"(?<=\b[A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s'""<>]*@", RegexOptions.CultureInvariant);

        /// <summary>scheme://host:port of an absolute URI (the port when not the scheme's own); a relative one as given, without any user name or password.</summary>
        public static string Address(Uri uri) => uri.IsAbsoluteUri
            ? uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped)
            : WithoutUserInfo(uri.OriginalString);

        /// <summary>The URI as the user wrote it, less any user name and password.</summary>
        public static string Shown(Uri uri) => WithoutUserInfo(uri.OriginalString);

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
