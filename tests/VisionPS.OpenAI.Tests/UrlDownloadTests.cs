using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Asking;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// Image URLs downloaded to be sent inline, from hostile servers (the endpoint's /assets/ route with a route fault):
    /// a body that never ends, a huge declared length, a stalled body, a web page instead of an image, a body cut short.
    /// Each is an error naming the problem, bounded in memory and time; the pipeline's error also names the URL.
    /// </summary>
    public sealed class UrlDownloadTests : EndpointTests
    {
        private const string AssetRoute = "GET /assets/{name}";
        private const long Budget = 1 << 20;

        public UrlDownloadTests(EndpointFixture endpoint)
            : base(endpoint)
        {
            Endpoint.Host.State.RouteFaults.TryRemove(AssetRoute, out _);
        }

        private Uri Asset(string fault)
        {
            Endpoint.Host.State.RouteFaults[AssetRoute] = fault + ":" + Guid.NewGuid().ToString("N");
            return Endpoint.Host.AddAsset("hostile.png", TestImages.Png(8, 8));
        }

        private static async Task<(HttpRequestException Error, TimeSpan Took)> FailAsync(Uri url, TimeSpan timeout)
        {
            using var http = new HttpClient();
            var clock = Stopwatch.StartNew();
            Exception thrown = await Record.ExceptionAsync(() => UrlImages.DownloadAsync(http, url, Budget, timeout, CancellationToken.None));
            Assert.True(thrown is HttpRequestException, $"expected an HttpRequestException, got {thrown?.GetType().Name ?? "no exception"}: {thrown?.Message}");
            return ((HttpRequestException)thrown!, clock.Elapsed);
        }

        [Fact]
        public async Task ABodyThatNeverEndsStopsAtTheBudget()
        {
            (HttpRequestException error, TimeSpan took) = await FailAsync(Asset("endless"), TimeSpan.FromSeconds(30));
            Assert.Contains($"larger than the {Budget}-byte budget", error.Message, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(20), $"took {took}");
        }

        [Fact]
        public async Task AHugeDeclaredLengthIsRefusedBeforeReading()
        {
            (HttpRequestException error, _) = await FailAsync(Asset("huge-length"), TimeSpan.FromSeconds(30));
            Assert.Contains($"{1L << 40} bytes, more than the {Budget}-byte budget", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task AStalledBodyTimesOutWithinTheTimeout()
        {
            (HttpRequestException error, TimeSpan took) = await FailAsync(Asset("stall=30000"), TimeSpan.FromSeconds(1.5));
            Assert.Contains("did not arrive in full within 1.5 s", error.Message, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(10), $"took {took}");
        }

        [Fact]
        public async Task AWebPageIsNotTakenForAnImage()
        {
            (HttpRequestException error, _) = await FailAsync(Asset("canned=html-page"), TimeSpan.FromSeconds(30));
            Assert.Contains("a web page (text/html), not an image", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task ABodyCutShortIsAnErrorThatSaysSo()
        {
            (HttpRequestException error, _) = await FailAsync(Asset("short-body=100000"), TimeSpan.FromSeconds(30));
            Assert.Contains("broke off after", error.Message, StringComparison.Ordinal);
        }

        [Fact]
        public async Task ARedirectLoopEndsWithAnErrorThatSaysSo()
        {
            (HttpRequestException error, TimeSpan took) = await FailAsync(Asset($"redirect={Endpoint.Host.Root.Port}"), TimeSpan.FromSeconds(30));
            Assert.Contains("307", error.Message, StringComparison.Ordinal);
            Assert.Contains("a redirect that was not followed (too many in a row", error.Message, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(20), $"took {took}");
        }

        [Fact]
        public async Task AConnectionClosedBeforeTheAnswerSaysSoInWords()
        {
            // The server drops the connection before any status line: .NET's own text is only "An error occurred while
            // sending the request."; the error says what happened (this was seen in CI when a short body's server closed
            // before its headers went out).
            (HttpRequestException error, TimeSpan took) = await FailAsync(Asset("drop"), TimeSpan.FromSeconds(30));
            Assert.Contains("the server closed the connection before it answered", error.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("An error occurred while sending the request", error.Message, StringComparison.Ordinal);
            Assert.True(took < TimeSpan.FromSeconds(20), $"took {took}");
        }

        [Fact]
        public async Task ARefusedConnectionSaysSoInWords()
        {
            // Nothing listens on the port: the socket's own words ("Connection refused"), not .NET's wrapper text.
            var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            listener.Start();
            int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            (HttpRequestException error, _) = await FailAsync(new Uri($"http://127.0.0.1:{port}/a.png"), TimeSpan.FromSeconds(30));
            Assert.Contains("could not connect", error.Message, StringComparison.Ordinal);
            Assert.Contains("refused", error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("An error occurred while sending the request", error.Message, StringComparison.Ordinal);
        }

        public static TheoryData<string, Exception, string> FailuresBeforeTheAnswer()
        {
            const string Generic = "An error occurred while sending the request.";
            return new TheoryData<string, Exception, string>
            {
                // .NET Framework: HttpClientHandler wraps a WebException whose status says what happened.
                { "net472 refused", new HttpRequestException(Generic, new System.Net.WebException("Unable to connect to the remote server", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused), System.Net.WebExceptionStatus.ConnectFailure, null)), "could not connect to the server: " },
                { "net472 name", new HttpRequestException(Generic, new System.Net.WebException("The remote name could not be resolved: 'nosuch.invalid'", System.Net.WebExceptionStatus.NameResolutionFailure)), "could not connect to the server: The remote name could not be resolved: 'nosuch.invalid'" },
                { "net472 closed", new HttpRequestException(Generic, new System.Net.WebException("The underlying connection was closed: An unexpected error occurred on a receive.", System.Net.WebExceptionStatus.ReceiveFailure)), "the server closed the connection before it answered (The underlying connection was closed: An unexpected error occurred on a receive)" },
                { "net472 tls", new HttpRequestException(Generic, new System.Net.WebException("Could not establish trust relationship for the SSL/TLS secure channel.", new System.Security.Authentication.AuthenticationException("The remote certificate is invalid according to the validation procedure."), System.Net.WebExceptionStatus.TrustFailure, null)), "the secure (TLS) connection could not be set up: The remote certificate is invalid according to the validation procedure" },
                // .NET 8+: the request error says which.
                { "net refused", new HttpRequestException(System.Net.Http.HttpRequestError.ConnectionError, "Connection refused (127.0.0.1:9)", new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)), "could not connect to the server: Connection refused (127.0.0.1:9)" },
                { "net ended", new HttpRequestException(System.Net.Http.HttpRequestError.ResponseEnded, Generic, new System.Net.Http.HttpIOException(System.Net.Http.HttpRequestError.ResponseEnded, "The response ended prematurely. (ResponseEnded)")), "the server closed the connection before it answered" },
                { "net tls", new HttpRequestException(System.Net.Http.HttpRequestError.SecureConnectionError, "The SSL connection could not be established, see inner exception.", new System.Security.Authentication.AuthenticationException("Cannot determine the frame size or a corrupted frame was received.")), "the secure (TLS) connection could not be set up: Cannot determine the frame size or a corrupted frame was received" },
            };
        }

        [Theory]
        [MemberData(nameof(FailuresBeforeTheAnswer))]
        public void AFailureBeforeTheAnswerIsSaidInWordsOnEitherFramework(string name, Exception failure, string expected)
        {
            string said = UrlImages.BeforeTheAnswer(failure);
            Assert.True(said.StartsWith(expected, StringComparison.Ordinal), $"{name}: {said}");
            Assert.DoesNotContain("An error occurred while sending the request", said, StringComparison.Ordinal);
            Assert.DoesNotContain("(ResponseEnded)", said, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("pu:S3cretPw")]
        [InlineData("pu-sp:spaced pass")]
        [InlineData("pu-q:q\"uote")]
        public void AProxysPasswordIsNeitherSaidNorKeptInside(string userInfo)
        {
            // .NET's proxy-tunnel text quotes the proxy as typed; Get-Error shows the inner exceptions too.
            var proxy = new Uri("http://" + userInfo.Replace(" ", "%20").Replace("\"", "%22") + "@127.0.0.1:3128/");
            string quoted = "http://" + userInfo + "@127.0.0.1:3128/";
            var failure = new HttpRequestException($"The proxy tunnel request to proxy '{quoted}' failed with status code '407'.\"");

            HttpRequestException error = UrlImages.NoAnswer(failure, proxy);

            string password = userInfo.Substring(userInfo.IndexOf(':') + 1);
            Assert.DoesNotContain(password, error.ToString(), StringComparison.Ordinal);
            Assert.Contains("'407'", error.Message, StringComparison.Ordinal);
            Assert.False(error.Message.EndsWith("\"", StringComparison.Ordinal), error.Message);
        }

        [Fact]
        public async Task AClientWithoutATimeoutStillGetsADeadline()
        {
            // The shared client's Timeout is infinite (each download sets its own): without a timeout of its own, the
            // download takes the default one (here 1 s), not none at all.
            Uri url = Asset("stall=8000");
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            var clock = Stopwatch.StartNew();

            Exception? thrown = await Record.ExceptionAsync(() => UrlImages.DownloadAsync(http, url, Budget, CancellationToken.None, fallback: TimeSpan.FromSeconds(1)));

            Assert.True(thrown is HttpRequestException, $"expected an HttpRequestException, got {thrown?.GetType().Name ?? "no exception"}: {thrown?.Message}");
            Assert.Contains("did not arrive in full within 1 s", thrown!.Message, StringComparison.Ordinal);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(7), $"took {clock.Elapsed}");
        }

        [Fact]
        public async Task CancellingTheCallerMidBodyIsThatCancellationNotABrokenDownload()
        {
            // Ctrl+C while the body arrives: the cancellation of the caller's token, not "the server closed the
            // connection" nor the download's own deadline.
            Uri url = Asset("stall=30000");
            using var http = new HttpClient();
            using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

            Exception? thrown = await Record.ExceptionAsync(() => UrlImages.DownloadAsync(http, url, Budget, TimeSpan.FromSeconds(30), stop.Token));

            Assert.True(thrown is OperationCanceledException, $"expected the cancellation, got {thrown?.GetType().Name ?? "no exception"}: {thrown?.Message}");
            Assert.Equal(stop.Token, ((OperationCanceledException)thrown!).CancellationToken);
        }

        [Theory]
        [InlineData("short-body=100000", 30.0, "the server closed the connection")]
        [InlineData("stall=30000", 1.5, "did not arrive in full within 1.5 s")]
        [InlineData("canned=html-page", 30.0, "a web page (text/html)")]
        public async Task ThePipelineReportsAHostileUrlAsAnImageErrorNamingTheUrlAndGoesOn(string fault, double timeoutSeconds, string problem)
        {
            // Only the stalling fault is meant to meet the timeout; the others get a long one, so a loaded machine
            // cannot turn "a web page" or "broke off" into a timeout (that flake was seen in CI under load). The body cut
            // short may also end before its status line reaches the client (seen in CI: the shared client's connection,
            // or the server's abort before its buffered answer went out): either way the server closed the connection.
            Uri url = Asset(fault);
            using VisionClient client = Endpoint.Client();
            var question = new AskQuestion
            {
                Model = "gpt-4o",
                Prompt = "What is this?",
                Detail = ImageDetail.Low,
                Prepare = new PrepareOptions { Model = "gpt-4o", Detail = ImageDetail.Low },
            };
            var pipeline = new AskPipeline(client, question) { PerImage = true, InlineUrls = true, UrlTimeout = TimeSpan.FromSeconds(timeoutSeconds) };
            var images = new[] { AskImage.FromUrl(url), AskImage.FromBytes(TestImages.Png(12, 12), "byte[]") };

            var outcomes = new List<AskOutcome>();
            await foreach (AskOutcome outcome in pipeline.RunAsync(images))
            {
                outcomes.Add(outcome);
            }

            Assert.Equal(new[] { AskOutcomeKind.ImageFailed, AskOutcomeKind.Answered }, outcomes.Select(o => o.Kind));
            string message = outcomes[0].Error!.Message;
            Assert.Contains(url.AbsoluteUri, message, StringComparison.Ordinal);
            Assert.Contains(problem, message, StringComparison.Ordinal);
        }
    }
    /// <summary>Measures memory, so runs alone (no other test allocating meanwhile).</summary>
    [CollectionDefinition(nameof(UrlDownloadMemoryTests), DisableParallelization = true)]
    public sealed class UrlDownloadMemoryCollection
    {
    }

    [Collection(nameof(UrlDownloadMemoryTests))]
    public sealed class UrlDownloadMemoryTests : EndpointTests
    {
        private const string AssetRoute = "GET /assets/{name}";

        public UrlDownloadMemoryTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        [Fact]
        public async Task AHugeDeclaredLengthThatStallsHoldsNoMemoryItNeverSent()
        {
            // 200,000,000 bytes declared (within a 256 MiB budget), 16 sent, then nothing: the download may reserve
            // about a megabyte up front, not what the server claims (before: 64 MiB held until the timeout, per download).
            Endpoint.Host.State.RouteFaults[AssetRoute] = "stall-length=200000000:" + Guid.NewGuid().ToString("N");
            try
            {
                Uri url = Endpoint.Host.AddAsset("claims-200mb.png", TestImages.Png(8, 8));
                using var http = new HttpClient();
                await Record.ExceptionAsync(() => UrlImages.DownloadAsync(http, Endpoint.Host.AddAsset("warm.png", TestImages.Png(8, 8)), 256L << 20, TimeSpan.FromSeconds(0.3), CancellationToken.None));
                long before = GC.GetTotalAllocatedBytes(precise: true);

                Exception? thrown = await Record.ExceptionAsync(() => UrlImages.DownloadAsync(http, url, 256L << 20, TimeSpan.FromSeconds(1), CancellationToken.None));

                long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
                Assert.True(thrown is HttpRequestException, $"expected an HttpRequestException, got {thrown?.GetType().Name ?? "no exception"}: {thrown?.Message}");
                Assert.Contains("did not arrive in full within 1 s (16 bytes arrived)", thrown!.Message, StringComparison.Ordinal);
                Assert.True(allocated < 8L << 20, $"{allocated} bytes allocated for a download of 16 bytes");
            }
            finally
            {
                Endpoint.Host.State.RouteFaults.TryRemove(AssetRoute, out _);
            }
        }
    }
}
