using System;
using System.Diagnostics;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>
    /// Answers a hostile or broken service may send: each ends in one typed error, in bounded memory and time, and a
    /// request whose answer has arrived (and may be billed) is never sent again.
    /// </summary>
    public sealed class HostileAnswerTests : EndpointTests
    {
        public HostileAnswerTests(EndpointFixture endpoint)
            : base(endpoint)
        {
        }

        private static string Unique(string spec) => spec + ":" + Guid.NewGuid().ToString("N");

        private int Hits(string spec) => Endpoint.Host.State.FaultHits.TryGetValue(spec, out int n) ? n : 0;

        [Fact]
        public async Task AnEndlessSuccessAnswerIsCutAtTheLimitAndNotSentAgain()
        {
            string spec = Unique("endless");
            using VisionClient client = Endpoint.Client(maxRetries: 3);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "endless" }));

            Assert.Equal(1, Hits(spec)); // paid for once, not four times
            Assert.True(error.IsUnreadable);
            Assert.Equal(200, error.Status);
            Assert.Contains("larger than the 128 MiB", error.Message);
            Assert.StartsWith("{\"id\":\"aaaa", error.RawBody);
            Assert.True(error.RawBody!.Length <= 4096); // the first bytes, to show what it was
        }

        [Fact]
        public async Task AnEndlessStreamIsCutAtTheLimit()
        {
            string spec = Unique("endless");
            using VisionClient client = Endpoint.Client(maxRetries: 3);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatStreamingAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "endless" }, _ => { }));

            Assert.Equal(1, Hits(spec));
            Assert.True(error.IsUnreadable);
            Assert.Contains("larger than the 128 MiB", error.Message);
            Assert.StartsWith("data: {\"id\":\"aaaa", error.RawBody);
        }

        /// <summary>
        /// A streamed request whose answer drips a byte every 200 ms and never a whole event (or, as plain JSON, never its
        /// end): every read gets something, so a timeout per read never fires. It must end at the timeout between events.
        /// </summary>
        [Theory]
        [InlineData("drip=200", false)]
        [InlineData("drip-json=200", false)]
        [InlineData("drip=200", true)]
        public async Task AStreamThatDripsBytesButNoEventEndsAtTheTimeout(string fault, bool responses)
        {
            using VisionClient client = Endpoint.Client(timeout: TimeSpan.FromSeconds(3));
            var request = new VisionRequest { Model = "fault:" + Unique(fault), Prompt = "drip" };
            Task<ChatAnswer> ask = responses ? client.RespondStreamingAsync(request, _ => { }) : client.ChatStreamingAsync(request, _ => { });
            Task first = await Task.WhenAny(ask, Task.Delay(TimeSpan.FromSeconds(120)));
            Assert.True(ReferenceEquals(first, ask), "the stream was still being read after 120 s");
            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => ask);
            Assert.Contains("3 s", error.Message, StringComparison.Ordinal);
        }

        /// <summary>
        /// A gateway (OpenRouter, a proxy) sends SSE comment lines while a reasoning model thinks: no event for longer than
        /// the timeout, but a whole line every 500 ms. The stream is alive: its answer must be read, not cut at the timeout.
        /// </summary>
        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public async Task AStreamKeptAliveByCommentLinesLongerThanTheTimeoutIsRead(bool responses)
        {
            string spec = Unique("keepalive=4000");
            using VisionClient client = Endpoint.Client(maxRetries: 0, timeout: TimeSpan.FromSeconds(2));
            var request = new VisionRequest { Model = "fault:" + spec, Prompt = "keep-alive" };
            var clock = Stopwatch.StartNew();

            ChatAnswer answer = responses ? await client.RespondStreamingAsync(request, _ => { }) : await client.ChatStreamingAsync(request, _ => { });

            Assert.Equal(1, Hits(spec));
            Assert.NotEqual(string.Empty, answer.Text);
            Assert.NotNull(answer.FinishReason);
            Assert.NotEqual(ChatAnswer.Incomplete, answer.FinishReason);
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(3.5), $"the answer came after {clock.Elapsed}: the keep-alives were not sent");
        }

        /// <summary>Keep-alive lines alone hold a stream open for at most 10 timeouts: a gateway that only keeps alive ends.</summary>
        [Fact]
        public async Task KeepAliveLinesAloneEndAfterTenTimeouts()
        {
            // Keep-alive lines every 500 ms against a 2 s timeout: a loaded machine may delay a line past 1 s (a 1 s
            // timeout ended this stream after 6 s once, under CI load), hardly past 2 s.
            string spec = Unique("keepalive=120000");
            using VisionClient client = Endpoint.Client(maxRetries: 0, timeout: TimeSpan.FromSeconds(2));
            var clock = Stopwatch.StartNew();

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatStreamingAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "keep-alive" }, _ => { }));

            Assert.Equal("answer_incomplete", error.Code);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(19), TimeSpan.FromSeconds(60));
            // The message says what happened (only keep-alive comments, no answer text, for about 10 timeouts), not that
            // the answer missed "the timeout" of 2 s: the stream lasted ten times longer than that.
            Assert.DoesNotContain("within the timeout", error.Message, StringComparison.Ordinal);
            Assert.Contains("only keep-alive comments", error.Message, StringComparison.Ordinal);
            Assert.Contains("no answer text", error.Message, StringComparison.Ordinal);
            Assert.Matches(@"for (19|2\d|3\d|4\d|5\d) s", error.Message);
            Assert.Contains("10 times the timeout (2 s, -TimeoutSec)", error.Message, StringComparison.Ordinal);
            Assert.Contains("-TimeoutSec", error.Hint, StringComparison.Ordinal);
            Assert.Contains("not sent again", error.Hint, StringComparison.Ordinal);
        }

        [Fact]
        public async Task ASuccessAnswerThatStallsTimesOutOnceAndIsNotSentAgain()
        {
            string spec = Unique("stall=20000");
            using VisionClient client = Endpoint.Client(maxRetries: 3, timeout: TimeSpan.FromSeconds(1));
            var clock = Stopwatch.StartNew();

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "stall" }));

            Assert.Equal(1, Hits(spec));
            Assert.Equal(200, error.Status);
            Assert.Equal("answer_incomplete", error.Code);
            Assert.Equal("timeout", error.Type);
            Assert.Contains("did not arrive in full within the timeout (1 s, -TimeoutSec)", error.Message);
            Assert.Contains("not sent again", error.Hint);
            Assert.Contains("raise -TimeoutSec", error.Hint);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(10));
        }

        [Fact]
        public async Task AStalledAnswerBeforeAnyStatusIsStillRetried()
        {
            // No answer has arrived: the service may not have done the work, so the usual retries apply.
            string spec = Unique("slow=3000");
            using VisionClient client = Endpoint.Client(maxRetries: 1, timeout: TimeSpan.FromSeconds(1));

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "slow" }));

            Assert.Equal(2, Hits(spec));
            Assert.Equal(0, error.Status);
            Assert.Equal("timeout", error.Type);
        }

        [Theory]
        [InlineData("Infinity")]
        [InlineData("-Infinity")]
        [InlineData("NaN")]
        [InlineData("1e400")]
        [InlineData("1e300")]
        [InlineData("99999999999999999999")]
        [InlineData("-5")]
        [InlineData("soon")]
        public async Task AnyRetryAfterTheServerSendsIsAWaitOrNoneNeverACrash(string retryAfter)
        {
            string spec = Unique("429ra=" + retryAfter + "x1");
            VisionConnection connection = Endpoint.Connection(maxRetries: 2);
            connection.MaxRetryDelay = TimeSpan.FromMilliseconds(50); // a huge wait is capped to this
            using var client = new VisionClient(connection);
            var clock = Stopwatch.StartNew();

            ChatAnswer answer = await client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "retry-after " + retryAfter });

            Assert.Equal("stop", answer.FinishReason);
            Assert.Equal(2, Hits(spec));
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        }

        [Theory]
        [InlineData("429reset", "6m0s", 360000)]
        [InlineData("429reset", "1s", 1000)]
        [InlineData("429reset", "20ms", 20)]
        [InlineData("429reset", "1h2m3.5s", 3723500)]
        [InlineData("429resettok", "6m0s", 360000)]
        [InlineData("429resettok", "0.5s", 500)]
        public async Task A429WithoutRetryAfterWaitsForTheExhaustedLimitsReset(string kind, string reset, int expectedMs)
        {
            string spec = Unique($"{kind}={reset}");
            using VisionClient client = Endpoint.Client(maxRetries: 0);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "reset " + reset }));

            Assert.Equal(429, error.Status);
            Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), error.RetryAfter);
        }

        /// <summary>
        /// x-ratelimit-reset-tokens is the time until the token bucket is full again. When the 429's message says how
        /// many tokens the request asked for (OpenAI's does), the wait is the part of the reset those tokens take (the
        /// bucket refills evenly), not the whole reset; when it also says "Please try again in", that is the wait. The
        /// requests limit likewise (a request needs one of them). Without the numbers the whole reset is waited.
        /// </summary>
        [Theory]
        [InlineData("429resettok", "6m0s/1200", 14400)] // 1,200 of 30,000 tokens: 1/25 of 6 minutes
        [InlineData("429resettok", "6m0s/30000", 360000)] // the whole bucket: the whole reset
        [InlineData("429resettok", "6m0s/90000", 360000)] // more than the limit: never more than the reset
        [InlineData("429resettok", "6m0s", 360000)] // nothing said: the whole reset, as before
        [InlineData("429resettok", "6m0s/1200/1.4s", 1400)] // the service's own wait
        [InlineData("429resettok", "6m0s//250ms", 250)]
        [InlineData("429reset", "1m0s/1", 120)] // 1 of 500 requests: 1/500 of a minute
        [InlineData("429reset", "1m0s/1/7s", 7000)]
        // The other limit used up too (its remaining 0): the wait is the longer of the two.
        [InlineData("429resettok", "6m0s/1200/1.4s/20s", 20000)] // the message's 1.4 s on tokens, the requests limit's 20 s
        [InlineData("429resettok", "6m0s/1200//20s", 20000)] // 14.4 s for the tokens needed, 20 s for the requests limit
        [InlineData("429resettok", "6m0s/1200/1.4s/500ms", 1400)] // the other limit refills first: the message's wait
        [InlineData("429reset", "1m0s/1/7s/30s", 30000)] // the message's 7 s on requests, the tokens limit's 30 s
        // A share of 0 (asking no more than the headers say remain: stale headers) is no measure: the whole reset.
        [InlineData("429resettok", "6m0s/0", 360000)]
        // A per-day limit's message against the per-minute headers: no scaling, the whole reset.
        [InlineData("429resettok", "6m0s/1200///day", 360000)]
        [InlineData("429reset", "1m0s/1///day", 60000)]
        public async Task A429WaitsOnlyForWhatTheRequestNeedsOfTheLimitItHit(string kind, string fault, int expectedMs)
        {
            string spec = Unique($"{kind}={fault}");
            using VisionClient client = Endpoint.Client(maxRetries: 0);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "needs " + fault }));

            Assert.Equal(429, error.Status);
            Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), error.RetryAfter);
        }

        [Fact]
        public async Task TheRetryAfterATokenLimitWaitsForTheTokensItNeedsNotForAFullBucket()
        {
            // The bucket is full again in 6 minutes, but this request's 1,200 tokens are there in 250 ms (the service
            // says so): the retry goes after that, well within a -MaxRetryDelay of 10 minutes. Before, it waited 6 minutes.
            string spec = Unique("429resettok=6m0s/1200/250msx1");
            VisionConnection connection = Endpoint.Connection(maxRetries: 1);
            connection.MaxRetryDelay = TimeSpan.FromMinutes(10);
            using var client = new VisionClient(connection);

            ChatAnswer answer = await client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "tokens soon" }).WaitAsync(TimeSpan.FromSeconds(60));

            Assert.Equal("stop", answer.FinishReason);
            Assert.Equal(2, Hits(spec));
        }

        [Theory]
        [InlineData("soon")]
        [InlineData("5")]
        [InlineData("-1s")]
        [InlineData("1e400s")]
        public async Task AResetHeaderThatIsNoDurationIsNoWait(string reset)
        {
            string spec = Unique($"429reset={reset}");
            using VisionClient client = Endpoint.Client(maxRetries: 0);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "reset " + reset }));

            Assert.Null(error.RetryAfter);
        }

        [Fact]
        public async Task TheRetryWaitsForTheResetWithinMaxRetryDelay()
        {
            // Reset in 1.5 s: the retry waits for it (the back-off alone would retry after ~20 ms and be refused again).
            string spec = Unique("429reset=1500msx1");
            using VisionClient client = Endpoint.Client(maxRetries: 1);
            var clock = Stopwatch.StartNew();
            ChatAnswer answer = await client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "wait for the reset" });
            Assert.Equal("stop", answer.FinishReason);
            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(30));

            // Reset in 6 minutes: bounded by -MaxRetryDelay.
            string longSpec = Unique("429reset=6m0sx1");
            VisionConnection connection = Endpoint.Connection(maxRetries: 1);
            connection.MaxRetryDelay = TimeSpan.FromMilliseconds(300);
            using var bounded = new VisionClient(connection);
            clock.Restart();
            answer = await bounded.ChatAsync(new VisionRequest { Model = "fault:" + longSpec, Prompt = "bounded" });
            Assert.Equal("stop", answer.FinishReason);
            Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(10));
        }

        [Theory]
        [InlineData("429resettok=0s")]
        [InlineData("429reset=1ms")]
        public async Task ATinyResetWaitsNoLessThanTheUsualBackOff(string fault)
        {
            // A reset of 0 s or 1 ms is no reason to retry at once: each retry waits at least the back-off
            // (0.5 s, 1 s, 2 s, jittered down to half), and the shared pause at least -RetryDelay. Before, the
            // four tries were over in ~20 ms.
            string spec = Unique(fault);
            VisionConnection connection = Endpoint.Connection(maxRetries: 3);
            connection.RetryDelay = TimeSpan.FromMilliseconds(500);
            using var client = new VisionClient(connection);
            using (VisionClient warm = Endpoint.Client())
            {
                await warm.ChatAsync(new VisionRequest { Model = "gpt-4.1-mini", Prompt = "warm up" }); // the clock times the retries, not the first call's start-up
            }
            var clock = Stopwatch.StartNew();

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "tiny reset" }));

            Assert.Equal(429, error.Status);
            Assert.Equal(4, Hits(spec));
            Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(1.4), $"4 tries in {clock.ElapsedMilliseconds} ms");
        }

        [Fact]
        public async Task AZeroResetIsNoFreeRetryEvenWhileTheBatchMakesProgress()
        {
            // A used-up limit whose reset is 0 s names no wait: its retries count against -MaxRetries even while
            // other requests succeed. Before, each one was free (and added nothing to the bounded total wait), so
            // the request was sent again and again for as long as the batch made progress.
            string spec = Unique("429resettok=0s");
            using VisionClient client = Endpoint.Client(maxRetries: 1);
            using var stop = new System.Threading.CancellationTokenSource();
            var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Task progress = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    await client.ChatAsync(new VisionRequest { Model = "gpt-4.1-mini", Prompt = "progress " + Guid.NewGuid().ToString("N") });
                    answered.TrySetResult(true);
                }
            });
            // The batch is making progress: one of its requests has its answer (a fixed 200 ms pause was not always
            // enough on a loaded machine for the first, and without it the retry is not 'free' to begin with).
            await answered.Task.WaitAsync(TimeSpan.FromSeconds(60));

            // Free retries would go on for as long as the batch does: 30 s is far beyond the two tries wanted, even on
            // a loaded machine (3 s was not always enough for them next to the busy progress loop).
            await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "zero reset" }).WaitAsync(TimeSpan.FromSeconds(30)));
            stop.Cancel();
            await progress;

            Assert.Equal(2, Hits(spec));
        }

        [Fact]
        public async Task AHugeRetryAfterOnTheLastTryIsReportedAsTheLongestWait()
        {
            string spec = Unique("429ra=1e300");
            VisionConnection connection = Endpoint.Connection(maxRetries: 0);
            using var client = new VisionClient(connection);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "huge" }));

            Assert.Equal(429, error.Status);
            Assert.Equal(TimeSpan.FromDays(3650), error.RetryAfter);
        }

        [Theory]
        [InlineData(true)]
        [InlineData(false)]
        public async Task ARedirectToAnotherAddressIsNotFollowedSoTheKeyNeverReachesIt(bool azure)
        {
            await using EndpointHost elsewhere = await EndpointHost.StartAsync();
            string spec = Unique("redirect=" + elsewhere.Root.Port);
            VisionConnection connection = Endpoint.Connection(maxRetries: 2);
            if (azure)
            {
                connection.Azure = new AzureOpenAISettings(Endpoint.Host.Root, "dep"); // the key goes in the api-key header
            }
            using var client = new VisionClient(connection);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "redirect" }));

            Assert.Empty(elsewhere.Requests);
            Assert.Equal(1, Hits(spec));
            Assert.Equal(307, error.Status);
            Assert.Equal("redirect_not_followed", error.Code);
            Assert.False(error.IsRetryable);
            Assert.Contains($"127.0.0.1:{elsewhere.Root.Port}/", error.Message);
            Assert.Contains("does not follow redirects", error.Message);
            // The advice names the base URI the redirect implies, not the full endpoint (which would double the path).
            string suggested = azure ? $"http://127.0.0.1:{elsewhere.Root.Port}" : $"http://127.0.0.1:{elsewhere.Root.Port}{Endpoint.Host.BaseUri.AbsolutePath.TrimEnd('/')}";
            Assert.True(error.Hint!.Contains($"use the base URI '{suggested}' instead", StringComparison.Ordinal), error.Message + " " + error.Hint);
            Assert.DoesNotContain(Endpoint.ApiKey, error.ToString());
        }

        /// <summary>
        /// A relative redirect resolves against the request's address, which carries a user name and password written
        /// into the base URI (http://alice:pw@host/v1): the base URI the advice suggests names neither.
        /// </summary>
        [Fact]
        public void TheBaseUriARelativeRedirectImpliesNamesNoUserNameOrPassword()
        {
            var request = new Uri("http://alice-visionps:pw-s3cret-visionps@127.0.0.1:5000/v1/chat/completions");
            var baseUri = new Uri("http://alice-visionps:pw-s3cret-visionps@127.0.0.1:5000/v1");

            Assert.Equal("http://127.0.0.1:5000/api/v1", OpenAIRequestException.RedirectBase("/api/v1/chat/completions", request, baseUri));
        }

        [Theory]
        [InlineData("86400", "1 day (86400 s)")]
        [InlineData("5400", "90 min (5400 s)")]
        public async Task ARetryAfterLongerThanRetriesWaitIsNamedInTheAdvice(string retryAfter, string words)
        {
            string spec = Unique("429ra=" + retryAfter);
            using VisionClient client = Endpoint.Client(maxRetries: 0);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "long wait" }));

            Assert.Equal(TimeSpan.FromSeconds(double.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture)), error.RetryAfter);
            Assert.Equal($"The service asks to wait {words} before trying again; retries do not wait that long, so try again then.", error.Hint);
            Assert.EndsWith(error.Hint!, error.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("90", 120, false)] // within -MaxRetryDelay: no advice to wait it out
        [InlineData("45", 30, true)] // past it, though under a minute
        public async Task TheLongWaitAdviceFollowsMaxRetryDelay(string retryAfter, int maxRetryDelaySeconds, bool named)
        {
            string spec = Unique("429ra=" + retryAfter);
            VisionConnection connection = Endpoint.Connection(maxRetries: 0);
            connection.MaxRetryDelay = TimeSpan.FromSeconds(maxRetryDelaySeconds);
            using var client = new VisionClient(connection);

            OpenAIRequestException error = await Assert.ThrowsAsync<OpenAIRequestException>(() => client.ChatAsync(new VisionRequest { Model = "fault:" + spec, Prompt = "long wait" }));

            Assert.Equal(429, error.Status);
            Assert.Equal(named, error.Hint?.StartsWith($"The service asks to wait {retryAfter} s", StringComparison.Ordinal) == true);
        }
    }
}
