using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Asking;
using VisionPS.Core.Caching;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.OpenAI.Tests.Support;
using Xunit;

namespace VisionPS.OpenAI.Tests
{
    /// <summary>The ask pipeline without PowerShell: real files, real HTTP to the local endpoint.</summary>
    public sealed class AskPipelineTests : EndpointTests, IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-ask-" + Guid.NewGuid().ToString("N"));

        public AskPipelineTests(EndpointFixture endpoint)
            : base(endpoint)
        {
            Directory.CreateDirectory(_dir);
        }

        void IDisposable.Dispose()
        {
            Dispose();
            Directory.Delete(_dir, recursive: true);
        }

        private string File(string name, byte[] bytes)
        {
            string path = Path.Combine(_dir, name);
            System.IO.File.WriteAllBytes(path, bytes);
            return path;
        }

        private static AskQuestion Question(string model = "gpt-4o", VisionApi api = VisionApi.Chat) => new AskQuestion
        {
            Api = api,
            Model = model,
            Prompt = "What is this?",
            Detail = ImageDetail.Low,
            Prepare = new PrepareOptions { Model = model, Detail = ImageDetail.Low },
        };

        private static async Task<List<AskOutcome>> ListAsync(IAsyncEnumerable<AskOutcome> outcomes)
        {
            var list = new List<AskOutcome>();
            await foreach (AskOutcome outcome in outcomes)
            {
                list.Add(outcome);
            }
            return list;
        }

        /// <summary>Forwards requests to the endpoint, holding the one whose body names <see cref="HeldUrl"/> until released.</summary>
        private sealed class HoldOneHandler : System.Net.Http.DelegatingHandler
        {
            private readonly TaskCompletionSource<bool> _release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            private int _sent;
            private int _answered;

            public HoldOneHandler(string heldUrl)
                : base(new System.Net.Http.HttpClientHandler { UseProxy = false }) => HeldUrl = heldUrl;

            public string HeldUrl { get; }

            public int Sent => Volatile.Read(ref _sent);

            /// <summary>Completed once this many requests other than the held one have their answers.</summary>
            public TaskCompletionSource<bool> OthersAnswered { get; } = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

            public int OthersWanted { get; set; } = 1;

            public void Release() => _release.TrySetResult(true);

            protected override async Task<System.Net.Http.HttpResponseMessage> SendAsync(System.Net.Http.HttpRequestMessage request, CancellationToken cancellationToken)
            {
                Interlocked.Increment(ref _sent);
                string body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync().ConfigureAwait(false);
                bool held = body.Contains(HeldUrl, StringComparison.Ordinal);
                if (held)
                {
                    await _release.Task.ConfigureAwait(false);
                }
                System.Net.Http.HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (!held && Interlocked.Increment(ref _answered) >= OthersWanted)
                {
                    OthersAnswered.TrySetResult(true);
                }
                return response;
            }
        }

        [Fact]
        public async Task AConsumerThatStopsAfterTheFirstAnswerLeavesAtMostThrottleLimitMinusOneRequestsSent()
        {
            // Image 1 answers last: its request is held until image 2 has its answer. Freeing a slot whenever any request
            // ended started images 3 to 6 meanwhile, all to be cancelled when the consumer stops after answer 1; the window
            // is the answers not yet handed out, so nothing starts until answer 1 is taken.
            Uri[] urls = Enumerable.Range(1, 6).Select(i => Endpoint.Host.AddAsset($"window-{i}.png", TestImages.Png(8 + i, 8, (byte)i))).ToArray();
            using var handler = new HoldOneHandler(urls[0].AbsoluteUri);
            using var client = new VisionClient(Endpoint.Connection(maxRetries: 0), handler);
            var pipeline = new AskPipeline(client, Question()) { PerImage = true, ThrottleLimit = 2 };
            await using IAsyncEnumerator<AskOutcome> run = pipeline.RunAsync(urls.Select(AskImage.FromUrl).ToList()).GetAsyncEnumerator();
            ValueTask<bool> first = run.MoveNextAsync();
            await handler.OthersAnswered.Task.WaitAsync(TimeSpan.FromSeconds(30));
            // Without the window, image 3 starts as soon as image 2's answer is in: give it the time it would take.
            await Task.Delay(500);
            handler.Release();
            Assert.True(await first);
            Assert.Equal(urls[0].AbsoluteUri, run.Current.Target);
            Assert.Equal(AskOutcomeKind.Answered, run.Current.Kind);
            Assert.Equal(2, handler.Sent);
        }

        [Fact]
        public async Task PerImageYieldsOneOutcomePerImageInInputOrderAndABadImageEndsNothing()
        {
            var files = new[]
            {
                File("a.png", TestImages.Png(40, 30, 1)),
                File("bad.jpg", new byte[] { 1, 2, 3, 4, 5 }),
                File("c.jpg", TestImages.Jpeg(50, 20, 2)),
                Path.Combine(_dir, "missing.png"),
                File("e.webp", TestImages.Webp(20, 20, 3)),
            };
            using VisionClient client = Endpoint.Client();
            var pipeline = new AskPipeline(client, Question()) { PerImage = true, ThrottleLimit = 3 };

            List<AskOutcome> outcomes = await ListAsync(pipeline.RunAsync(files.Select(AskImage.FromFile).ToList()));

            Assert.Equal(files, outcomes.Select(o => o.Target));
            Assert.Equal(new[] { AskOutcomeKind.Answered, AskOutcomeKind.ImageFailed, AskOutcomeKind.Answered, AskOutcomeKind.ImageFailed, AskOutcomeKind.Answered },
                outcomes.Select(o => o.Kind));
            Assert.IsType<ImageProcessingException>(outcomes[1].Error);
            Assert.IsType<FileNotFoundException>(outcomes[3].Error);
            // Each answer is about its own image: the endpoint echoes the SHA-256 of the image it decoded.
            foreach (int i in new[] { 0, 2, 4 })
            {
                Assert.Equal(64, outcomes[i].Sha256.Single().Length);
                Assert.Contains("\"sha256\":\"" + outcomes[i].Sha256.Single() + "\"", outcomes[i].Answer!.Text, StringComparison.Ordinal);
                Assert.Contains("\"image_count\":1", outcomes[i].Answer!.Text, StringComparison.Ordinal);
            }
        }

        [Fact]
        public async Task WhenImagesWereGivenAndNoneSurvivedNothingIsSent()
        {
            int before = Endpoint.Host.Requests.Count;
            using VisionClient client = Endpoint.Client();
            var pipeline = new AskPipeline(client, Question());
            var images = new[] { AskImage.FromFile(Path.Combine(_dir, "nope.jpg")), AskImage.FromBytes(new byte[] { 0, 1, 2 }, "byte[3]") };

            List<AskOutcome> outcomes = await ListAsync(pipeline.RunAsync(images));

            Assert.Equal(new[] { AskOutcomeKind.ImageFailed, AskOutcomeKind.ImageFailed, AskOutcomeKind.NothingToSend }, outcomes.Select(o => o.Kind));
            Assert.Equal(before, Endpoint.Host.Requests.Count);

            // Images given, but every one was refused before reaching the pipeline: still nothing is sent.
            List<AskOutcome> none = await ListAsync(pipeline.AllAsync(Array.Empty<AskImage>(), imagesGiven: true));
            Assert.Equal(AskOutcomeKind.NothingToSend, Assert.Single(none).Kind);
            Assert.Equal(before, Endpoint.Host.Requests.Count);
        }

        [Fact]
        public async Task OneRequestCarriesEveryImageThatSurvivedInOrder()
        {
            string a = File("one.png", TestImages.Png(30, 30, 4));
            string b = File("two.png", TestImages.Png(31, 31, 5));
            using VisionClient client = Endpoint.Client();
            var pipeline = new AskPipeline(client, Question());

            List<AskOutcome> outcomes = await ListAsync(pipeline.RunAsync(new[] { AskImage.FromFile(a), AskImage.FromFile(Path.Combine(_dir, "gone.png")), AskImage.FromFile(b) }));

            Assert.Equal(new[] { AskOutcomeKind.ImageFailed, AskOutcomeKind.Answered }, outcomes.Select(o => o.Kind));
            Assert.Equal(new[] { a, b }, outcomes[1].Sources);
            string text = outcomes[1].Answer!.Text;
            Assert.Contains("\"image_count\":2", text, StringComparison.Ordinal);
            int first = text.IndexOf(outcomes[1].Sha256[0], StringComparison.Ordinal);
            int second = text.IndexOf(outcomes[1].Sha256[1], StringComparison.Ordinal);
            Assert.True(first >= 0 && second > first, "both images, in input order");
        }

        [Fact]
        public async Task ACachedReRunAsksNothingAndPreparesNothing()
        {
            var files = Enumerable.Range(0, 6).Select(i => File($"p{i}.jpg", TestImages.Jpeg(60 + i, 40, (byte)i))).ToList();
            var cache = new ResultCache(Path.Combine(_dir, "cache"), ResultCache.DefaultExpiry, ResultCache.DefaultMaxBytes);
            using VisionClient client = Endpoint.Client();
            int prepared = 0;
            var pipeline = new AskPipeline(client, Question()) { PerImage = true, Cache = cache, OnPrepared = (_, _) => Interlocked.Increment(ref prepared) };

            List<AskOutcome> first = await ListAsync(pipeline.RunAsync(files.Select(AskImage.FromFile).ToList()));
            Assert.Equal(6, prepared);
            Assert.All(first, o => Assert.False(o.FromCache));
            int before = Endpoint.Host.Requests.Count;
            prepared = 0;

            List<AskOutcome> again = await ListAsync(pipeline.RunAsync(files.Select(AskImage.FromFile).ToList()));

            Assert.Equal(0, prepared);
            Assert.Equal(before, Endpoint.Host.Requests.Count);
            Assert.All(again, o => Assert.True(o.FromCache));
            Assert.Equal(first.Select(o => o.Answer!.Text), again.Select(o => o.Answer!.Text));
            Assert.Equal(first.Select(o => o.Sha256.Single()), again.Select(o => o.Sha256.Single()));
            Assert.Equal(first.Select(o => o.EstimatedTokens), again.Select(o => o.EstimatedTokens));

            // A changed file is prepared and asked again; the others still come from the cache.
            System.IO.File.WriteAllBytes(files[2], TestImages.Jpeg(99, 40, 42));
            List<AskOutcome> changed = await ListAsync(pipeline.RunAsync(files.Select(AskImage.FromFile).ToList()));
            Assert.Equal(1, prepared);
            Assert.Equal(new[] { true, true, false, true, true, true }, changed.Select(o => o.FromCache));
        }

        /// <summary>
        /// An image whose preparation warned (here: only the first frame of an animation is sent; likewise a damaged image
        /// sent in part) warns again when its answer comes from the cache: the answer is about what was sent, so a re-run
        /// says so too. It is prepared again for that (its warnings name the path given now) and still asks nothing.
        /// </summary>
        [Fact]
        public async Task ACachedReRunStillReportsThePreparationWarnings()
        {
            string anim = File("anim.gif", TestImages.AnimatedGif());
            string still = File("still.jpg", TestImages.Jpeg(70, 40, 7));
            var cache = new ResultCache(Path.Combine(_dir, "cache"), ResultCache.DefaultExpiry, ResultCache.DefaultMaxBytes);
            using VisionClient client = Endpoint.Client();
            var warnings = new List<string>();
            int prepared = 0;
            var pipeline = new AskPipeline(client, Question())
            {
                PerImage = true,
                Cache = cache,
                OnPrepared = (_, image) => { Interlocked.Increment(ref prepared); lock (warnings) { warnings.AddRange(image.Warnings); } },
            };

            List<AskOutcome> first = await ListAsync(pipeline.RunAsync(new[] { AskImage.FromFile(anim), AskImage.FromFile(still) }));
            string warning = Assert.Single(warnings);
            Assert.Contains("only the first frame is sent", warning, StringComparison.Ordinal);
            int before = Endpoint.Host.Requests.Count;
            warnings.Clear();
            prepared = 0;

            List<AskOutcome> again = await ListAsync(pipeline.RunAsync(new[] { AskImage.FromFile(anim), AskImage.FromFile(still) }));

            Assert.All(again, o => Assert.True(o.FromCache));
            Assert.Equal(before, Endpoint.Host.Requests.Count);
            Assert.Equal(new[] { warning }, warnings);
            Assert.Equal(1, prepared); // the still photo comes from the cache undecoded
        }

        [Fact]
        public async Task TheGateSeesTheBytesThatAreSentAndADeclinedRequestSendsNothing()
        {
            byte[] png = TestImages.Png(33, 22, 6);
            string path = File("gate.png", png);
            using VisionClient client = Endpoint.Client();
            var descriptions = new List<string>();
            int before = Endpoint.Host.Requests.Count;
            var declined = new AskPipeline(client, Question()) { Gate = d => { descriptions.Add(d); return Task.FromResult(false); } };

            AskOutcome outcome = Assert.Single(await ListAsync(declined.RunAsync(new[] { AskImage.FromFile(path) })));

            Assert.Equal(AskOutcomeKind.NotSent, outcome.Kind);
            Assert.Equal(before, Endpoint.Host.Requests.Count);
            string description = Assert.Single(descriptions);
            Assert.Contains("/chat/completions", description, StringComparison.Ordinal);
            Assert.Contains("sha256 " + TestImages.Sha256(png), description, StringComparison.Ordinal); // a PNG this small passes through
            Assert.True(description.Length < 3000, "base64 is shortened");
            Assert.DoesNotContain(Endpoint.ApiKey, description, StringComparison.Ordinal);

            var sent = new AskPipeline(client, Question()) { Gate = d => Task.FromResult(true) };
            Assert.Equal(AskOutcomeKind.Answered, Assert.Single(await ListAsync(sent.RunAsync(new[] { AskImage.FromFile(path) }))).Kind);
            Assert.Equal(before + 1, Endpoint.Host.Requests.Count);
        }

        [Theory]
        [InlineData("damaged")]
        [InlineData("cached")]
        public async Task GatedRequestsAreDescribedInInputOrderWhenOneBeforeThemNeedsNoAsking(string second)
        {
            // The first image's preparation is held until a later image has been described (or a few seconds passed):
            // a request that ends without being asked (a damaged image, a cache hit) must not let the ones after it
            // jump ahead of the ones before it.
            string first = File("first.jpg", TestImages.Jpeg(64, 48, 21));
            string middle = second == "damaged" ? File("middle.png", new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3 }) : File("middle.png", TestImages.Png(24, 24, 22));
            string third = File("third.png", TestImages.Png(26, 20, 23));
            string fourth = File("fourth.jpg", TestImages.Jpeg(30, 30, 24));
            using VisionClient client = Endpoint.Client();
            ResultCache? cache = null;
            if (second == "cached")
            {
                cache = new ResultCache(Path.Combine(_dir, "cache"), ResultCache.DefaultExpiry, ResultCache.DefaultMaxBytes);
                var fill = new AskPipeline(client, Question()) { PerImage = true, Cache = cache };
                Assert.Equal(AskOutcomeKind.Answered, Assert.Single(await ListAsync(fill.RunAsync(new[] { AskImage.FromFile(middle) }))).Kind);
            }
            var described = new List<string>();
            using var laterDescribed = new ManualResetEventSlim(false);
            var pipeline = new AskPipeline(client, Question())
            {
                PerImage = true,
                ThrottleLimit = 4,
                Cache = cache,
                OnPrepared = (source, _) =>
                {
                    if (source == first)
                    {
                        laterDescribed.Wait(TimeSpan.FromSeconds(3));
                    }
                },
                Gate = d =>
                {
                    lock (described)
                    {
                        described.Add(new[] { first, middle, third, fourth }.Single(f => d.Contains("(" + f + "):", StringComparison.Ordinal)));
                    }
                    laterDescribed.Set();
                    return Task.FromResult(false);
                },
            };

            List<AskOutcome> outcomes = await ListAsync(pipeline.RunAsync(new[] { first, middle, third, fourth }.Select(AskImage.FromFile).ToList()));

            Assert.Equal(new[] { first, middle, third, fourth }, outcomes.Select(o => o.Target));
            Assert.Equal(second == "damaged" ? AskOutcomeKind.ImageFailed : AskOutcomeKind.Answered, outcomes[1].Kind);
            Assert.Equal(new[] { "first.jpg", "third.png", "fourth.jpg" }, described.Select(Path.GetFileName));
        }

        [Fact]
        public async Task AnUnreadableAnswerIsOneFailedOutcomeAndThePerImageRunGoesOn()
        {
            var files = Enumerable.Range(0, 4).Select(i => File($"u{i}.png", TestImages.Png(20 + i, 20, (byte)(10 + i)))).ToList();
            using VisionClient client = Endpoint.Client();
            string model = "fault:canned=empty-choicesx1:" + Guid.NewGuid().ToString("N");
            var pipeline = new AskPipeline(client, Question(model)) { PerImage = true, ThrottleLimit = 1 };

            List<AskOutcome> outcomes = await ListAsync(pipeline.RunAsync(files.Select(AskImage.FromFile).ToList()));

            Assert.Equal(4, outcomes.Count);
            AskOutcome failed = Assert.Single(outcomes, o => o.Kind == AskOutcomeKind.RequestFailed);
            Assert.Same(outcomes[0], failed);
            var error = Assert.IsType<OpenAIRequestException>(failed.Error);
            Assert.True(error.IsUnreadable);
            Assert.Contains("\"choices\":[]", error.RawBody, StringComparison.Ordinal);
            Assert.Equal(3, outcomes.Count(o => o.Kind == AskOutcomeKind.Answered));
        }

        /// <summary>
        /// An answer that is not whole (cut by the token limit, withheld by the content filter, empty, a Responses answer
        /// that is incomplete) is never kept: the re-run asks again instead of giving back the bad answer for free.
        /// </summary>
        [Theory]
        [InlineData("fault:canned=length", VisionApi.Chat, null)]
        [InlineData("fault:canned=content-filter", VisionApi.Chat, null)]
        [InlineData("fault:canned=empty", VisionApi.Chat, null)]
        [InlineData("gpt-4o", VisionApi.Chat, 1)]
        [InlineData("gpt-4o", VisionApi.Responses, 16)]
        public async Task AnAnswerThatIsNotWholeIsNeverCachedAndTheReRunAsksAgain(string model, VisionApi api, int? maxTokens)
        {
            var files = Enumerable.Range(0, 2).Select(i => File($"w{i}.png", TestImages.Png(30 + i, 20, (byte)(40 + i)))).ToList();
            var cache = new ResultCache(Path.Combine(_dir, "cache"), ResultCache.DefaultExpiry, ResultCache.DefaultMaxBytes);
            using VisionClient client = Endpoint.Client();
            AskQuestion question = Question(model.StartsWith("fault:", StringComparison.Ordinal) ? model + ":" + Guid.NewGuid().ToString("N") : model, api);
            question.MaxTokens = maxTokens;
            var pipeline = new AskPipeline(client, question) { PerImage = true, Cache = cache };

            List<AskOutcome> first = await ListAsync(pipeline.RunAsync(files.Select(AskImage.FromFile).ToList()));
            Assert.All(first, o => Assert.Equal(AskOutcomeKind.Answered, o.Kind));
            Assert.All(first, o => Assert.False(ChatAnswer.IsWhole(o.Answer)));
            int before = Endpoint.Host.Requests.Count;

            List<AskOutcome> again = await ListAsync(pipeline.RunAsync(files.Select(AskImage.FromFile).ToList()));

            Assert.Equal(before + 2, Endpoint.Host.Requests.Count);
            Assert.All(again, o => Assert.False(o.FromCache));
        }

        /// <summary>A batch's answer is kept under the same rule, and an entry an older VisionPS kept that is not whole is a miss.</summary>
        [Fact]
        public async Task ABatchAnswerThatIsNotWholeIsNotRememberedAndAnOldSuchEntryIsAMiss()
        {
            string path = File("r.png", TestImages.Png(24, 24, 7));
            var cache = new ResultCache(Path.Combine(_dir, "cache"), ResultCache.DefaultExpiry, ResultCache.DefaultMaxBytes);
            using VisionClient client = Endpoint.Client();
            var pipeline = new AskPipeline(client, Question()) { PerImage = true, Cache = cache };
            List<AskOutcome> first = await ListAsync(pipeline.RunAsync(new[] { AskImage.FromFile(path) }));
            AskedImage asked = first.Single().Images.Single();
            var cut = new ChatAnswer { Text = "a ca", FinishReason = "length" };

            // Written straight into the cache (as an older VisionPS did): the live run does not take it.
            string key = Question().AnswerKey(client.Endpoint, new[] { asked.Sha256 });
            cache.Set(key, System.Text.Json.JsonSerializer.Serialize(cut));
            int before = Endpoint.Host.Requests.Count;
            List<AskOutcome> again = await ListAsync(pipeline.RunAsync(new[] { AskImage.FromFile(path) }));
            Assert.False(again.Single().FromCache);
            Assert.Equal(before + 1, Endpoint.Host.Requests.Count);

            // Remember (Receive-VisionBatch) replaces nothing with a cut answer: the whole answer just paid for stays.
            pipeline.Remember(new[] { asked }, cut);
            Assert.Equal(again.Single().Answer!.Text, System.Text.Json.JsonSerializer.Deserialize<ChatAnswer>(cache.TryGet(key)!)!.Text);
        }

        /// <summary>
        /// -PerImage -ErrorAction Stop: the first failure stops the run when it happens, not when its turn comes in input
        /// order. Here the first image is still being read (its stream waits) when the second, damaged, fails: the run
        /// must start no request after that, neither for the images after it nor for the first one. Without timing: the
        /// first image is let go only once the run has moved on (asked for the fourth image) or given up (ended its walk).
        /// </summary>
        [Fact]
        public async Task UnderStopAtFirstFailureNoRequestStartsAfterTheFailureEvenBeforeItsTurnComes()
        {
            using VisionClient client = Endpoint.Client();
            string model = "gpt-4o-mini-" + Guid.NewGuid().ToString("N");
            using var release = new ManualResetEventSlim();
            var images = new WatchedImages(new[]
            {
                AskImage.FromStream(new HeldStream(TestImages.Png(16, 16, 1), release), "held.png"),
                AskImage.FromBytes(new byte[] { 0x89, 0x50, 0x4E, 0x47, 1, 2, 3 }, "damaged.png"),
                AskImage.FromBytes(TestImages.Png(17, 16, 2), "two.png"),
                AskImage.FromBytes(TestImages.Png(18, 16, 3), "three.png"),
                AskImage.FromBytes(TestImages.Png(19, 16, 4), "four.png"),
                AskImage.FromBytes(TestImages.Png(20, 16, 5), "five.png"),
            }, moveOnAt: 3, release);
            var pipeline = new AskPipeline(client, Question(model)) { PerImage = true, ThrottleLimit = 2, StopAtFirstFailure = true };

            var outcomes = new List<AskOutcome>();
            await foreach (AskOutcome outcome in pipeline.RunAsync(images))
            {
                outcomes.Add(outcome);
                if (outcome.Kind == AskOutcomeKind.ImageFailed)
                {
                    pipeline.StopStarting(); // what Send-VisionChat did, and still does, when the failure's turn comes
                }
            }

            Assert.Equal(0, Endpoint.Host.Requests.Count(r => r.BodyText.Contains(model, StringComparison.Ordinal)));
            Assert.Equal(new[] { AskOutcomeKind.NotSent, AskOutcomeKind.ImageFailed }, outcomes.Select(o => o.Kind).Take(2));
            Assert.DoesNotContain(outcomes, o => o.Kind == AskOutcomeKind.Answered);
        }

        /// <summary>
        /// Forwards requests to the endpoint and records them: the one naming <see cref="LimitedUrl"/> gets a 429 whose
        /// retry-after closes the client's shared gate for seconds; the one naming
        /// <see cref="FailingUrl"/> waits until <see cref="FailWhen"/> holds, then fails (a 422 nothing retries).
        /// </summary>
        private sealed class GateStopHandler : System.Net.Http.DelegatingHandler
        {
            private readonly string _tag = Guid.NewGuid().ToString("N");
            private readonly List<string> _sent = new List<string>();

            public GateStopHandler(string limitedUrl, string failingUrl)
                : base(new System.Net.Http.HttpClientHandler { UseProxy = false })
            {
                LimitedUrl = limitedUrl;
                FailingUrl = failingUrl;
            }

            public string LimitedUrl { get; }

            public string FailingUrl { get; }

            public Func<bool> FailWhen { get; set; } = () => true;

            /// <summary>Told when the failing request's answer is in (the stop follows).</summary>
            public Action OnFailed { get; set; } = () => { };

            /// <summary>What was sent, in order: limited, failing or other.</summary>
            public string[] SentKinds
            {
                get
                {
                    lock (_sent)
                    {
                        return _sent.ToArray();
                    }
                }
            }

            protected override async Task<System.Net.Http.HttpResponseMessage> SendAsync(System.Net.Http.HttpRequestMessage request, CancellationToken cancellationToken)
            {
                string body = request.Content is null ? string.Empty : await request.Content.ReadAsStringAsync().ConfigureAwait(false);
                lock (_sent)
                {
                    _sent.Add(body.Contains(LimitedUrl, StringComparison.Ordinal) ? "limited" : body.Contains(FailingUrl, StringComparison.Ordinal) ? "failing" : "other");
                }
                if (body.Contains(LimitedUrl, StringComparison.Ordinal))
                {
                    request.Headers.Add(VisionPS.TestServer.Fault.Header, "429=20000x1:" + _tag);
                }
                else if (body.Contains(FailingUrl, StringComparison.Ordinal))
                {
                    var waited = System.Diagnostics.Stopwatch.StartNew();
                    while (!FailWhen() && waited.Elapsed < TimeSpan.FromSeconds(30))
                    {
                        await Task.Delay(5, cancellationToken).ConfigureAwait(false);
                    }
                    request.Headers.Add(VisionPS.TestServer.Fault.Header, "canned=gateway-422:" + _tag);
                    System.Net.Http.HttpResponseMessage failed = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                    OnFailed();
                    return failed;
                }
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>
        /// -PerImage -ErrorAction Stop while a 429 holds the client's shared gate closed: the requests waiting behind it
        /// (two images started before the failure, and the rate-limited request's own retry) must not go out once the
        /// gate opens. The stop means nothing more is sent or paid for; counted where requests leave the client.
        /// </summary>
        [Fact]
        public async Task AStopWhileRequestsWaitBehindARateLimitPauseSendsNoneOfThemWhenItEnds()
        {
            string marker = "gate-stop " + Guid.NewGuid().ToString("N");
            Uri limited = Endpoint.Host.AddAsset($"gate-limited-{Guid.NewGuid():N}.png", TestImages.Png(12, 8, 1));
            Uri failing = Endpoint.Host.AddAsset($"gate-failing-{Guid.NewGuid():N}.png", TestImages.Png(13, 8, 2));
            using var handler = new GateStopHandler(limited.AbsoluteUri, failing.AbsoluteUri);
            using var client = new VisionClient(Endpoint.Connection(maxRetries: 2), handler);
            AskQuestion question = Question();
            question.Prompt = marker;
            var pipeline = new AskPipeline(client, question) { PerImage = true, ThrottleLimit = 4, StopAtFirstFailure = true };
            // The two other images are read only once the 429 has closed the gate, so their requests queue behind it;
            // the failing request fails only once both wait there (the limited request waits out its retry-after first).
            handler.FailWhen = () => client.RateLimits.Waiting >= 2;
            using var gateClosed = new ManualResetEventSlim();
            Task watch = Task.Run(async () =>
            {
                var waited = System.Diagnostics.Stopwatch.StartNew();
                while (client.RateLimits.Closures == 0 && waited.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(5);
                }
                gateClosed.Set();
            });
            var images = new List<AskImage>
            {
                AskImage.FromUrl(limited),
                AskImage.FromUrl(failing),
                AskImage.FromStream(new HeldStream(TestImages.Png(14, 8, 3), gateClosed), "queued-1.png"),
                AskImage.FromStream(new HeldStream(TestImages.Png(15, 8, 4), gateClosed), "queued-2.png"),
            };

            var clock = System.Diagnostics.Stopwatch.StartNew();
            TimeSpan failedAt = TimeSpan.Zero, pauseLeft = TimeSpan.Zero;
            handler.OnFailed = () =>
            {
                failedAt = clock.Elapsed;
                pauseLeft = client.RateLimits.Remaining;
            };
            List<AskOutcome> outcomes = await ListAsync(pipeline.RunAsync(images));
            TimeSpan ran = clock.Elapsed - failedAt;
            await watch;

            Assert.Equal(1, client.RateLimits.Closures);
            Assert.Equal(new[] { "failing", "limited" }, handler.SentKinds.OrderBy(k => k, StringComparer.Ordinal)); // the 429 and the failure; nothing after the stop
            Assert.Equal(2, Endpoint.Host.Requests.Count(r => r.BodyText.Contains(marker, StringComparison.Ordinal)));
            // The rate-limited image's retry and the two images queued behind the pause were never sent, and the run did
            // not wait out the 20 s pause for them (it ends once the stop is known).
            Assert.Equal(new[] { AskOutcomeKind.NotSent, AskOutcomeKind.RequestFailed, AskOutcomeKind.NotSent, AskOutcomeKind.NotSent }, outcomes.Select(o => o.Kind));
            Assert.True(pauseLeft > TimeSpan.FromSeconds(10), $"the failure came {pauseLeft.TotalSeconds:0.0} s before the pause's end: too late to tell");
            Assert.True(ran < pauseLeft - TimeSpan.FromSeconds(5), $"the run ended {ran.TotalSeconds:0.0} s after the failure, with {pauseLeft.TotalSeconds:0.0} s of pause left then: it waited out the pause for requests it would not send");
        }

        /// <summary>A stream that gives nothing until <see cref="ManualResetEventSlim"/> is set: an image still being read.</summary>
        private sealed class HeldStream : MemoryStream
        {
            private readonly ManualResetEventSlim _release;

            public HeldStream(byte[] bytes, ManualResetEventSlim release)
                : base(bytes)
            {
                _release = release;
            }

            public override int Read(byte[] buffer, int offset, int count)
            {
                _release.Wait(TimeSpan.FromMinutes(2));
                return base.Read(buffer, offset, count);
            }

            public override int Read(Span<byte> buffer)
            {
                _release.Wait(TimeSpan.FromMinutes(2));
                return base.Read(buffer);
            }

            public override void CopyTo(Stream destination, int bufferSize)
            {
                _release.Wait(TimeSpan.FromMinutes(2));
                base.CopyTo(destination, bufferSize);
            }
        }

        /// <summary>The images, telling <c>release</c> when the run asks for the image at <c>moveOnAt</c> or stops walking them.</summary>
        private sealed class WatchedImages : IReadOnlyList<AskImage>
        {
            private readonly AskImage[] _images;
            private readonly int _moveOnAt;
            private readonly ManualResetEventSlim _release;

            public WatchedImages(AskImage[] images, int moveOnAt, ManualResetEventSlim release)
            {
                _images = images;
                _moveOnAt = moveOnAt;
                _release = release;
            }

            public AskImage this[int index] => _images[index];

            public int Count => _images.Length;

            public IEnumerator<AskImage> GetEnumerator()
            {
                try
                {
                    for (int i = 0; i < _images.Length; i++)
                    {
                        if (i >= _moveOnAt)
                        {
                            _release.Set();
                        }
                        yield return _images[i];
                    }
                }
                finally
                {
                    _release.Set();
                }
            }

            System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
        }
    }
}
