using System;
using VisionPS.Core.OpenAI;
using Xunit;

namespace VisionPS.Core.Tests.OpenAI
{
    /// <summary>
    /// A user name and password written into an address never show, whatever characters the password has: a "'" (legal
    /// in userinfo, kept as typed by .NET), a space, '"', '<', '>' (as typed, or escaped) or an escaped '@'.
    /// </summary>
    public class UriTextTests
    {
        // Each password ends in a token that must never be shown; what comes before it is the character under test.
        public static readonly TheoryData<string> Passwords = new TheoryData<string>
        {
            "pa'Zq7SECRET", "my Zq7SECRET", "my%20Zq7SECRET", "pa\"Zq7SECRET", "pa<Zq7SECRET>", "pa%40Zq7SECRET",
        };

        private const string Token = "Zq7SECRET";

        private static string With(string password, string address = "http://127.0.0.1:5000/v1/") => address.Replace("://", "://alice-uitest:" + password + "@");

        [Theory]
        [MemberData(nameof(Passwords))]
        public void AUriObjectIsShownWithoutItsUserNameOrPassword(string password)
        {
            var uri = new Uri(With(password));
            Assert.Contains(Token, uri.AbsoluteUri, StringComparison.Ordinal); // what this test is about
            Assert.Equal("http://127.0.0.1:5000/v1/", UriText.Shown(uri));
            Assert.Equal("http://127.0.0.1:5000/v1/", UriText.Shown(With(password))); // a record's text
            Assert.Equal("http://127.0.0.1:5000/v1/", UriText.ToPath(uri));
            Assert.Equal("http://127.0.0.1:5000", UriText.Address(uri));
            Assert.Equal("http://127.0.0.1:5000/v1/", UriText.Absolute(uri));
        }

        [Fact]
        public void AUriIsShownAsTypedLessItsUserNameAndPassword()
        {
            Assert.Equal("ftp://proxy.example:21", UriText.Shown(new Uri("ftp://proxy.example:21")));
            Assert.Equal("HTTP://Host:80", UriText.Shown("HTTP://Host:80"));
            // With a user name and password: the rest as typed too, whatever the password holds.
            Assert.Equal("ftp://proxy.example:21", UriText.Shown(new Uri("ftp://u:p'w@proxy.example:21")));
            Assert.Equal("HTTP://Host:80/v1", UriText.Shown(new Uri("HTTP://a:my Zq7SECRET@Host:80/v1")));
            Assert.Equal("http://host/v1?q=a@b", UriText.Shown(new Uri("http://a:p%40\"q@host/v1?q=a@b")));
        }

        [Theory]
        [MemberData(nameof(Passwords))]
        public void FreeTextQuotingAnEscapedAddressLosesItsUserNameAndPassword(string password)
        {
            string escaped = new Uri(With(password)).AbsoluteUri;
            string said = UriText.WithoutUserInfo($"The proxy '{escaped}' refused: see \"{escaped}chat\" <{escaped}>.");
            Assert.DoesNotContain(Token, said, StringComparison.Ordinal);
            Assert.DoesNotContain("alice-uitest", said, StringComparison.Ordinal);
            Assert.Equal("The proxy 'http://127.0.0.1:5000/v1/' refused: see \"http://127.0.0.1:5000/v1/chat\" <http://127.0.0.1:5000/v1/>.", said);
        }

        [Fact]
        public void FreeTextLosesAUserInfoWithQuotesAndAtSignsUpToTheLastAtBeforeTheHost()
        {
            string said = UriText.WithoutUserInfo("Proxy http://al'ice:p@ss'@Zq7SECRET@proxy.example:8080/ refused; mail ops@example.com.");
            Assert.Equal("Proxy http://proxy.example:8080/ refused; mail ops@example.com.", said);
        }

        /// <summary>
        /// Text after an address's authority that is plainly not part of it (after white space, or after a ',' or ';'
        /// and white space: a list, a sentence) is kept, mail addresses included; each of two addresses loses its own
        /// user name and password only; a '@' in a path or query is no user name's end.
        /// </summary>
        [Theory]
        [InlineData("Failed: http://a:pw1-Zq7SECRET@h1.example/x and http://b:pw2-Zq7SECRET@h2.example:81/y.", "Failed: http://h1.example/x and http://h2.example:81/y.")]
        [InlineData("Proxies http://h1.example:80, http://b:pw-Zq7SECRET@h2.example:81; none answered.", "Proxies http://h1.example:80, http://h2.example:81; none answered.")]
        [InlineData("Tried http://h1.example:80,http://b:pw-Zq7SECRET@h2.example:81 in turn.", "Tried http://h1.example:80,http://h2.example:81 in turn.")]
        [InlineData("See http://example.com:80, me@example.com", "See http://example.com:80, me@example.com")]
        [InlineData("See http://example.com:80; me@example.com", "See http://example.com:80; me@example.com")]
        [InlineData("See http://example.com:80 (me@example.com)", "See http://example.com:80 (me@example.com)")]
        [InlineData("Bad image http://u:pw-Zq7SECRET@host.example/path?x=a@b", "Bad image http://host.example/path?x=a@b")]
        [InlineData("Bad image http://host.example/path?x=a@b&y=c@d", "Bad image http://host.example/path?x=a@b&y=c@d")]
        public void FreeTextKeepsWhatFollowsAnAddressAndLosesOnlyUserInfo(string text, string shown)
        {
            Assert.Equal(shown, UriText.WithoutUserInfo(text));
        }

        /// <summary>
        /// A ',' or ';' with no white space after it may be inside a password (both are legal there, and .NET quotes them
        /// as typed): the user information still runs to the last '@' before the authority's end. "http://example.com:80,me@example.com"
        /// is, for .NET and every URI parser, the host example.com with user "example.com" and password "80,me": shown
        /// as that host, never with what may be a password.
        /// </summary>
        [Theory]
        [InlineData("Proxy http://u:pa,ss-Zq7SECRET@proxy.example:8080 refused.", "Proxy http://proxy.example:8080 refused.")]
        [InlineData("Proxy http://u:pa;ss-Zq7SECRET@proxy.example:8080/ refused.", "Proxy http://proxy.example:8080/ refused.")]
        [InlineData("see http://example.com:80,me@example.com", "see http://example.com")]
        public void FreeTextNeverShowsAPasswordWithACommaOrSemicolon(string text, string shown)
        {
            string said = UriText.WithoutUserInfo(text);
            Assert.Equal(shown, said);
            Assert.DoesNotContain(Token, said, StringComparison.Ordinal);
            Uri uri = new Uri(text.Substring(text.IndexOf("http", StringComparison.Ordinal)).Split(' ')[0]);
            Assert.NotEqual(string.Empty, uri.UserInfo); // what this test is about: the parsers' reading
            Assert.Contains(UriText.Address(uri), said, StringComparison.Ordinal);
        }

        /// <summary>
        /// An address that does not parse (a bad port, a raw '/', '#' or space in its password, another scheme) is echoed
        /// in its error less everything from its "://" to its last '@': no stop character can leave a password in.
        /// </summary>
        [Theory]
        [InlineData("http://alice-uitest:pa ss-Zq7SECRET@host:99999/v1", "http://host:99999/v1")]
        [InlineData("ftp://alice-uitest:pa ss-Zq7SECRET@host/v1", "ftp://host/v1")]
        [InlineData("http://alice-uitest:p/ss-Zq7SECRET@host/v1", "http://host/v1")]
        [InlineData("http://alice-uitest:p#ss-Zq7SECRET@host/v1", "http://host/v1")]
        [InlineData("http://alice-uitest:pa\"Zq7SECRET@host:99999/v1", "http://host:99999/v1")]
        [InlineData("{\"Proxy\":\"ftp://alice-uitest:pa ss-Zq7SECRET@h:8080\"}", "{\"Proxy\":\"ftp://h:8080\"}")]
        public void AnAddressThatDoesNotParseIsEchoedWithoutItsUserNameOrPassword(string value, string shown)
        {
            Assert.Equal(shown, UriText.ValueWithoutUserInfo(value));
            if (!value.StartsWith("{", StringComparison.Ordinal))
            {
                Assert.DoesNotContain(Token, UriText.Shown(value), StringComparison.Ordinal);
                var ex = Assert.Throws<ArgumentException>(() => VisionConnection.ParseBaseUri(value, "-BaseUri"));
                Assert.DoesNotContain(Token, ex.Message, StringComparison.Ordinal);
                Assert.DoesNotContain("alice-uitest", ex.Message, StringComparison.Ordinal);
            }
        }

        [Theory]
        [MemberData(nameof(Passwords))]
        public void AMessageQuotingTheReadableFormOfAnAddressLosesItsUserNameAndPassword(string password)
        {
            // .NET's proxy errors quote the proxy as Uri.ToString() gives it: unescaped, a space or quote as typed.
            var proxy = new Uri(With(password, "http://127.0.0.1:3128/"));
            string said = UriText.WithoutUserInfo($"The proxy tunnel request to proxy '{proxy}' failed with status code '407'.", proxy);
            Assert.Equal("The proxy tunnel request to proxy 'http://127.0.0.1:3128/' failed with status code '407'.", said);
        }

        [Theory]
        [MemberData(nameof(Passwords))]
        public void TheConnectionSettingsAndClientNameNoUserNameOrPasswordWhenPrinted(string password)
        {
            var connection = new VisionConnection { BaseUri = new Uri(With(password, "https://api.openai.com/v1/")), ApiKey = "sk-uitest-key" };
            var azure = new AzureOpenAISettings(new Uri(With(password, "https://example.openai.azure.com/")), "gpt-4o");
            using var client = new VisionClient(connection);
            foreach (string printed in new[] { connection.ToString(), azure.ToString(), client.ToString() })
            {
                Assert.DoesNotContain(Token, printed, StringComparison.Ordinal);
                Assert.DoesNotContain("alice-uitest", printed, StringComparison.Ordinal);
            }
            Assert.Contains("https://api.openai.com/v1", connection.ToString(), StringComparison.Ordinal);
            Assert.Contains("https://example.openai.azure.com", azure.ToString(), StringComparison.Ordinal);
        }
    }
}
