using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.Caching;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;

namespace VisionPS.Core.Asking
{
    /// <summary>
    /// The main job: asks a model a question about images and yields what became of each, in input order. It
    /// prepares the images, looks the answers up in the answer cache (by the source file's content first, so a cached
    /// re-run decodes nothing but the images whose preparation warned, so they warn again) and fills it, keeps at most <see cref="ThrottleLimit"/> requests in flight under the
    /// client's shared back-off, sends, and reads the answer. A failure is an outcome, never an exception: one bad
    /// image or one odd answer never ends the run. Only cancellation ends it early.
    /// </summary>
    public sealed class AskPipeline
    {
        private readonly VisionClient _client;
        private readonly AskQuestion _question;

        /// <summary>Creates a pipeline asking <paramref name="question"/> through <paramref name="client"/>.</summary>
        public AskPipeline(VisionClient client, AskQuestion question)
        {
            _client = client ?? throw new ArgumentNullException(nameof(client));
            _question = question ?? throw new ArgumentNullException(nameof(question));
        }

        /// <summary>One request per image (true) or one request with every image (false).</summary>
        public bool PerImage { get; set; }

        /// <summary>With <see cref="PerImage"/>: how many images are prepared and asked about at once.</summary>
        public int ThrottleLimit { get; set; } = 4;

        /// <summary>The answer cache; null to always ask the service. Never used with a conversation.</summary>
        public ResultCache? Cache { get; set; }

        /// <summary>Streams the answer (Chat, one request): each text delta as it arrives.</summary>
        public Action<string>? OnDelta { get; set; }

        /// <summary>Asked before each request with its description; null sends without describing anything.</summary>
        public SendGate? Gate { get; set; }

        /// <summary>Told about each image once it is prepared (for a verbose line).</summary>
        public Action<string, PreparedImage>? OnPrepared { get; set; }

        /// <summary>Told about each answer found in the cache (for a verbose line).</summary>
        public Action<string>? OnCacheHit { get; set; }

        /// <summary>Told once per run when the cache cannot be written (the message names its folder); answers still come.</summary>
        public Action<string>? OnCacheUnwritable { get; set; }

        private int _cacheUnwritableTold;

        /// <summary>
        /// Download http(s) image URLs (within the file budget) and send them inline, for servers that cannot fetch
        /// URLs (see <see cref="UrlImages.ServiceFetchesUrls"/>).
        /// </summary>
        public bool InlineUrls { get; set; }

        /// <summary>With <see cref="InlineUrls"/>: how long one URL's download may take, body included.</summary>
        public TimeSpan UrlTimeout { get; set; } = UrlImages.DefaultTimeout;

        /// <summary>Told about each URL downloaded to be sent inline (for a verbose line): the URL and its size.</summary>
        public Action<string, int>? OnInlined { get; set; }

        private volatile bool _stopStarting;

        // Completed by StopStarting: the walk over the images, waiting for room in the window, ends at once on a stop.
        private readonly TaskCompletionSource<bool> _stopped = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Starting a request and stopping the run are decided under this lock: a request either started before the
        // stop (and is awaited) or is never sent.
        private readonly object _startLock = new object();

        /// <summary>
        /// With <see cref="PerImage"/>: the first failed image or request stops the run at once (<see cref="StopStarting"/>),
        /// when it happens rather than when its outcome's turn comes in input order: no request starts after it, even
        /// while earlier images are still being answered. For -ErrorAction Stop.
        /// </summary>
        public bool StopAtFirstFailure { get; set; }

        /// <summary>
        /// With <see cref="PerImage"/>: sends no further request, and retries none, while the requests already sent
        /// (already paid for) are still awaited and yielded. An image not yet sent yields <see cref="AskOutcomeKind.NotSent"/>.
        /// For a run that is to stop at an error (-ErrorAction Stop): the answers paid for come out before the error ends it.
        /// </summary>
        public void StopStarting()
        {
            lock (_startLock)
            {
                _stopStarting = true;
            }
            _stopped.TrySetResult(true);
            _client.StopSending();
        }

        /// <summary>Under <see cref="StopAtFirstFailure"/>, a failure stops the run before anything else starts; returns <paramref name="outcome"/>.</summary>
        private AskOutcome Settled(AskOutcome outcome)
        {
            if (StopAtFirstFailure && outcome.Kind is AskOutcomeKind.ImageFailed or AskOutcomeKind.RequestFailed)
            {
                StopStarting();
            }
            return outcome;
        }

        /// <summary>
        /// How many requests really went out and are not yet answered (or failed): one waiting behind a rate-limit pause,
        /// for a slot or between retries is not counted, since a stop refuses it before it is sent.
        /// </summary>
        public int Sending => _onWire.Count;

        private readonly RequestsOnWire _onWire = new RequestsOnWire();

        /// <summary>Asks about <paramref name="images"/> and yields the outcomes in input order.</summary>
        public IAsyncEnumerable<AskOutcome> RunAsync(IReadOnlyList<AskImage> images, CancellationToken cancellationToken = default)
        {
            if (images is null)
            {
                throw new ArgumentNullException(nameof(images));
            }
            return PerImage ? EachAsync(images, cancellationToken) : AllAsync(images, imagesGiven: images.Count > 0, cancellationToken);
        }

        /// <summary>
        /// One request about every image that could be prepared. When <paramref name="imagesGiven"/> and none could,
        /// nothing is sent: each failed image has its outcome, then one <see cref="AskOutcomeKind.NothingToSend"/>.
        /// </summary>
        public async IAsyncEnumerable<AskOutcome> AllAsync(IReadOnlyList<AskImage> images, bool imagesGiven, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            var ready = new List<(AskedImage Image, VisionImageInput Input)>();
            var pdfs = new List<Documents.PdfDocumentInfo>();
            var inlined = new List<AskImage>();
            foreach (AskImage given in images)
            {
                (AskImage image, Exception? failed) = await InlineAsync(given, cancellationToken).ConfigureAwait(false);
                if (failed is not null)
                {
                    yield return new AskOutcome(AskOutcomeKind.ImageFailed, Array.Empty<AskedImage>(), given.Source, error: failed);
                    continue;
                }
                inlined.Add(image);
            }
            foreach ((AskImage image, PreparedImage? prepared, Exception? error) in PrepareInOrder(inlined, cancellationToken))
            {
                if (error is not null)
                {
                    yield return new AskOutcome(AskOutcomeKind.ImageFailed, Array.Empty<AskedImage>(), image.Source, error: error);
                }
                else if (image.Pdf is not null)
                {
                    pdfs.Add(image.Pdf.Info);
                    ready.Add(Input(image, null));
                }
                else
                {
                    ready.Add(Input(image, prepared));
                }
            }
            Exception? tooMuch = null;
            try
            {
                Documents.PdfDocumentCheck.CheckRequest(pdfs); // the PDFs of one request share its page and byte limits
            }
            catch (Documents.PdfCheckException ex)
            {
                tooMuch = ex;
            }
            if (tooMuch is not null)
            {
                yield return new AskOutcome(AskOutcomeKind.ImageFailed, Array.Empty<AskedImage>(), ((Documents.PdfCheckException)tooMuch).Name, error: tooMuch);
                yield break;
            }
            if (imagesGiven && ready.Count == 0)
            {
                yield return new AskOutcome(AskOutcomeKind.NothingToSend, Array.Empty<AskedImage>(), "(no images)");
                yield break;
            }
            if (TooLarge(ready) is RequestTooLargeException tooLarge)
            {
                // Judged on the images as prepared, before anything is sent: the service would refuse the whole request.
                yield return new AskOutcome(AskOutcomeKind.ImageFailed, Array.Empty<AskedImage>(), AskOutcome.TargetOf(ready.Select(r => r.Image).ToArray()), error: tooLarge);
                yield break;
            }
            yield return await SendAsync(ready, cache: null, cancellationToken).ConfigureAwait(false);
        }

        /// <summary>
        /// One request per image, for a batch: every image prepared (files on all cores) in input order, each with its
        /// request or its failure; with <see cref="InlineUrls"/> an image URL is downloaded and prepared as a live
        /// request's is (one at a time, when its turn comes). Nothing is sent.
        /// </summary>
        public async IAsyncEnumerable<AskPrepared> PrepareEachAsync(IReadOnlyList<AskImage> images, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (images is null)
            {
                throw new ArgumentNullException(nameof(images));
            }
            foreach ((AskImage given, PreparedImage? ready, Exception? failure) in PrepareInOrder(images, cancellationToken))
            {
                AskImage image = given;
                PreparedImage? prepared = ready;
                Exception? error = failure;
                if (error is null && InlineUrls && image.Url is not null)
                {
                    (image, error) = await InlineAsync(given, cancellationToken).ConfigureAwait(false);
                    if (error is null)
                    {
                        try
                        {
                            prepared = Prepare(image);
                        }
                        catch (Exception ex) when (IsImageFailure(ex))
                        {
                            error = ex;
                        }
                    }
                }
                if (error is not null)
                {
                    yield return new AskPrepared(image, null, null, error);
                    continue;
                }
                (AskedImage asked, VisionImageInput input) = Input(image, prepared);
                if (TooLarge(new List<(AskedImage, VisionImageInput)> { (asked, input) }) is RequestTooLargeException tooLarge)
                {
                    yield return new AskPrepared(image, null, null, tooLarge); // a batch line the service would refuse
                    continue;
                }
                yield return new AskPrepared(image, asked, _question.NewRequest(new[] { input }), null);
            }
        }

        /// <summary>
        /// Puts an answer obtained elsewhere (a batch) into the answer cache, so a live request never pays for it again;
        /// only a whole answer (<see cref="ChatAnswer.IsWhole"/>), as for a live one.
        /// </summary>
        public void Remember(IReadOnlyList<AskedImage> images, ChatAnswer answer)
        {
            if (Cache is ResultCache cache && _question.ConversationId is null && images.Count > 0 && images.All(i => i.Sha256.Length > 0)
                && ChatAnswer.IsWhole(answer))
            {
                cache.Set(_question.AnswerKey(_client.Endpoint, images.Select(i => i.Sha256)), JsonSerializer.Serialize(answer));
            }
        }

        private async IAsyncEnumerable<AskOutcome> EachAsync(IReadOnlyList<AskImage> images, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            ResultCache? cache = _question.ConversationId is null ? Cache : null;
            int limit = Math.Max(1, ThrottleLimit);
            // The images started whose outcomes are not handed out yet, in input order. The window is this queue, not the
            // requests in flight: image i starts only while fewer than ThrottleLimit started before it are not handed out,
            // so when the consumer wants no more after an answer (Select-Object -First 1, a break), at most ThrottleLimit-1
            // requests are in flight (none with ThrottleLimit 1). Freeing a slot when any request ends instead let images 5
            // and 6 start while a slow image 1 held back the answers of 2 to 4.
            var pending = new Queue<Task<AskOutcome>>();
            // With a gate (-WhatIf, -Confirm, -Debug), requests are described and asked about in input order, whichever
            // image is prepared first: each waits for the one before it to have been asked (or to have needed no asking).
            Task previousTurn = Task.CompletedTask;
            foreach (AskImage image in images)
            {
                // The answers ready in order go out before the next image is started, and while the window is full the
                // oldest is waited for: a consumer that wants no more stops the run there, and nothing more is sent.
                while (pending.Count > 0 && (pending.Count >= limit || pending.Peek().IsCompleted))
                {
                    Task<AskOutcome> oldest = pending.Peek();
                    // A stop (the first failure under -ErrorAction Stop) ends the walk at once: no image after it starts,
                    // so there is no room in the window to wait for; the images started are handed out below.
                    await WaitAsync(Task.WhenAny(oldest, _stopped.Task), cancellationToken).ConfigureAwait(false);
                    if (!oldest.IsCompleted)
                    {
                        break;
                    }
                    _ = pending.Dequeue();
                    yield return await oldest.ConfigureAwait(false);
                }
                if (_stopStarting)
                {
                    break;
                }
                TaskCompletionSource<bool>? turn = Gate is null ? null : new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                var order = new GateTurn(previousTurn, turn);
                previousTurn = turn?.Task ?? Task.CompletedTask;
                Task previous = order.Previous;
                // No token for Task.Run: a task cancelled before it started would never end its turn, and every later
                // request would wait for it; AskOneAsync itself stops on the token.
                pending.Enqueue(Task.Run(async () =>
                {
                    try
                    {
                        return Settled(await AskOneAsync(image, cache, cancellationToken, order).ConfigureAwait(false));
                    }
                    finally
                    {
                        // A request that was asked ended its turn when it had been; one that never reached the gate (a
                        // damaged image, a cache hit, a failed download) ends it only after the turn before it, or the
                        // requests after it would be described before the ones before it.
                        if (turn is not null)
                        {
                            _ = previous.ContinueWith(_ => turn.TrySetResult(true), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                        }
                    }
                }));
            }
            while (pending.Count > 0)
            {
                yield return await pending.Dequeue().ConfigureAwait(false);
            }
        }

        /// <summary>Waits for <paramref name="task"/>, or throws when <paramref name="cancellationToken"/> is cancelled first.</summary>
        private static async Task WaitAsync(Task task, CancellationToken cancellationToken)
        {
            if (!task.IsCompleted && cancellationToken.CanBeCanceled)
            {
                var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                using (cancellationToken.Register(() => cancelled.TrySetResult(true)))
                {
                    await Task.WhenAny(task, cancelled.Task).ConfigureAwait(false);
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            await task.ConfigureAwait(false);
        }

        /// <summary>When a gated request may be asked about: after <see cref="Previous"/>; <see cref="Done"/> tells the next one.</summary>
        private sealed class GateTurn
        {
            public GateTurn(Task previous, TaskCompletionSource<bool>? done)
            {
                Previous = previous;
                Done = done;
            }

            public Task Previous { get; }

            public TaskCompletionSource<bool>? Done { get; }
        }

        /// <summary>One image, one request: answered from the cache by the source's content when possible, else prepared and sent.</summary>
        private async Task<AskOutcome> AskOneAsync(AskImage given, ResultCache? cache, CancellationToken cancellationToken, GateTurn? turn = null)
        {
            (AskImage image, Exception? failed) = await InlineAsync(given, cancellationToken).ConfigureAwait(false);
            if (failed is not null)
            {
                return new AskOutcome(AskOutcomeKind.ImageFailed, Array.Empty<AskedImage>(), given.Source, error: failed);
            }
            string? sourceKey = null;
            if (cache is not null && image.Path is string path && !Documents.PdfDocumentCheck.IsPdfFile(path))
            {
                sourceKey = TrySourceKey(path);
                // An image whose preparation warned (sent in part, first frame, reduced to fit) is prepared again so its
                // warnings, naming the path given now, come with the cached answer too.
                if (sourceKey is not null && cache.TryGet(sourceKey) is string indexed && Deserialize<PreparedIndex>(indexed) is PreparedIndex index && !index.Warned)
                {
                    var known = new AskedImage(image.Source, index.Sha256, index.EstimatedTokens);
                    if (Lookup(cache, new[] { known }) is AskOutcome hit)
                    {
                        return hit;
                    }
                }
            }
            PreparedImage? prepared;
            try
            {
                prepared = Prepare(image);
            }
            catch (Exception ex) when (IsImageFailure(ex))
            {
                return new AskOutcome(AskOutcomeKind.ImageFailed, Array.Empty<AskedImage>(), image.Source, error: ex);
            }
            (AskedImage asked, VisionImageInput input) = Input(image, prepared);
            var one = new List<(AskedImage, VisionImageInput)> { (asked, input) };
            if (TooLarge(one) is RequestTooLargeException tooLarge)
            {
                return new AskOutcome(AskOutcomeKind.ImageFailed, Array.Empty<AskedImage>(), image.Source, error: tooLarge);
            }
            if (sourceKey is not null && prepared is not null)
            {
                TrySet(cache!, sourceKey, JsonSerializer.Serialize(new PreparedIndex { Sha256 = prepared.Sha256, EstimatedTokens = prepared.EstimatedTokens, Warned = prepared.Warnings.Count > 0 }));
            }
            return await SendAsync(one, cache, cancellationToken, turn).ConfigureAwait(false);
        }

        private async Task<AskOutcome> SendAsync(List<(AskedImage Image, VisionImageInput Input)> ready, ResultCache? cache, CancellationToken cancellationToken, GateTurn? turn = null)
        {
            AskedImage[] asked = ready.Select(r => r.Image).ToArray();
            string target = AskOutcome.TargetOf(asked);
            if (cache is not null && Lookup(cache, asked) is AskOutcome hit)
            {
                return hit;
            }
            VisionRequest request = _question.NewRequest(ready.Select(r => r.Input));
            ready.Clear(); // the request holds the bytes now; nothing else does
            // The description names the images (a -PerImage run's -WhatIf or -Confirm is one request per file).
            int pdfs = asked.Count(i => i.IsPdf);
            string described = $"{MessageText.ImagesAndPdfs(asked.Length - pdfs, pdfs)}, ~{asked.Sum(i => i.EstimatedTokens)} {MessageText.InputTokens(pdfs)} estimated" + (asked.Length == 0 ? string.Empty : $" ({target})");
            SendGate? gate = Gate is SendGate ask
                ? async description =>
                {
                    if (turn is not null)
                    {
                        await WaitAsync(turn.Previous, cancellationToken).ConfigureAwait(false);
                    }
                    try
                    {
                        // A run that stopped at an error while this one waited for its turn or its answer (-Confirm) sends nothing more.
                        return !_stopStarting && await ask($"{described}:{Environment.NewLine}{description}").ConfigureAwait(false) && !_stopStarting;
                    }
                    finally
                    {
                        turn?.Done?.TrySetResult(true);
                    }
                }
                : null;
            lock (_startLock)
            {
                if (_stopStarting)
                {
                    return new AskOutcome(AskOutcomeKind.NotSent, asked, target); // the run stops at an error: nothing more is paid for
                }
            }
            // Started: a stop from now on waits for it. Counted in Sending only while a try of it is on the wire.
            using IDisposable onWire = _onWire.Track();
            try
            {
                ChatAnswer answer = _question.Api == VisionApi.Responses
                    ? OnDelta is Action<string> onResponseDelta
                        ? await _client.RespondStreamingAsync(request, onResponseDelta, cancellationToken, gate).ConfigureAwait(false)
                        : await _client.RespondAsync(request, cancellationToken, gate).ConfigureAwait(false)
                    : OnDelta is Action<string> onDelta
                        ? await _client.ChatStreamingAsync(request, onDelta, cancellationToken, gate).ConfigureAwait(false)
                        : await _client.ChatAsync(request, cancellationToken, gate).ConfigureAwait(false);
                if (cache is not null && asked.All(i => i.Sha256.Length > 0) && ChatAnswer.IsWhole(answer))
                {
                    TrySet(cache, _question.AnswerKey(_client.Endpoint, asked.Select(i => i.Sha256)), JsonSerializer.Serialize(answer));
                }
                return new AskOutcome(AskOutcomeKind.Answered, asked, target, answer);
            }
            catch (RequestDeclinedException)
            {
                return new AskOutcome(AskOutcomeKind.NotSent, asked, target);
            }
            catch (OpenAIRequestException ex)
            {
                return Settled(new AskOutcome(AskOutcomeKind.RequestFailed, asked, target, error: ex));
            }
        }

        /// <summary>
        /// The refusal of a request the service would refuse for its size (an image over 20 MB, or over 50 MB in all),
        /// counting each input as the request carries it: inline images and PDFs as their data URLs, URLs the service
        /// downloads by the URL only (<see cref="RequestPart"/>); null when it fits.
        /// </summary>
        private static RequestTooLargeException? TooLarge(List<(AskedImage Image, VisionImageInput Input)> ready)
            => RequestTooLargeException.Check(ready.Select(r => RequestPart.Of(r.Image.Source, r.Input)).ToList());

        private AskOutcome? Lookup(ResultCache cache, IReadOnlyList<AskedImage> asked)
        {
            if (asked.Any(i => i.Sha256.Length == 0))
            {
                return null;
            }
            string key = _question.AnswerKey(_client.Endpoint, asked.Select(i => i.Sha256));
            // An entry that is not a whole answer (kept by an older VisionPS) is a miss: it is asked again.
            if (cache.TryGet(key) is string cached && Deserialize<ChatAnswer>(cached) is ChatAnswer answer && ChatAnswer.IsWhole(answer))
            {
                string target = AskOutcome.TargetOf(asked);
                OnCacheHit?.Invoke(target);
                return new AskOutcome(AskOutcomeKind.Answered, asked, target, answer, fromCache: true);
            }
            return null;
        }

        private (AskedImage, VisionImageInput) Input(AskImage image, PreparedImage? prepared)
        {
            if (image.Pdf is AskPdf pdf)
            {
                return (new AskedImage(image.Source, pdf.Sha256, Documents.PdfDocumentCheck.EstimateTokens(pdf.Info, _question.Model)) { IsPdf = true },
                    VisionImageInput.FromPdf(pdf.Bytes, image.Source));
            }
            if (prepared is null)
            {
                return (new AskedImage(image.Source, string.Empty, 0), VisionImageInput.FromUrl(image.Url!, _question.Detail));
            }
            return (new AskedImage(image.Source, prepared.Sha256, prepared.EstimatedTokens),
                VisionImageInput.FromBytes(prepared.Bytes, prepared.MimeType, _question.Detail));
        }

        /// <summary>Prepares one image (null for a URL); throws what the image core throws.</summary>
        private PreparedImage? Prepare(AskImage image)
        {
            if (image.Path is string file && image.Pdf is null && Documents.PdfDocumentCheck.IsPdfFile(file))
            {
                image.Pdf = AskPdf.Check(file); // a PDF goes as it is, checked: no image to prepare
                return null;
            }
            PreparedImage? prepared = image.Prepared;
            if (prepared is null && image.Url is null)
            {
                prepared = image.Path is string path
                    ? ImagePreparer.Prepare(path, _question.Prepare)
                    : image.Stream is Stream stream
                        ? ImagePreparer.Prepare(stream, image.Source, _question.Prepare)
                        : ImagePreparer.Prepare(image.Bytes!, image.Source, _question.Prepare);
                OnPrepared?.Invoke(image.Source, prepared);
            }
            return prepared;
        }

        /// <summary>Every image prepared (files on all cores, bounded), in input order, each with its image or its failure.</summary>
        private IEnumerable<(AskImage Image, PreparedImage? Prepared, Exception? Error)> PrepareInOrder(IReadOnlyList<AskImage> images, CancellationToken cancellationToken)
        {
            var files = images.Where(IsImageFile).Select(i => i.Path!).ToList();
            using IEnumerator<PrepareResult> prepared = ImagePreparer.PrepareMany(files, _question.Prepare, 0, cancellationToken).GetEnumerator();
            foreach (AskImage image in images)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (IsImageFile(image))
                {
                    prepared.MoveNext();
                    PrepareResult result = prepared.Current;
                    if (result.Image is not null)
                    {
                        OnPrepared?.Invoke(image.Source, result.Image);
                    }
                    yield return (image, result.Image, result.Error);
                    continue;
                }
                PreparedImage? one = null;
                Exception? error = null;
                try
                {
                    one = Prepare(image);
                }
                catch (Exception ex) when (IsImageFailure(ex))
                {
                    error = ex;
                }
                yield return (image, one, error);
            }
        }

        private static bool IsImageFailure(Exception ex)
            => ex is ImageProcessingException or IOException or UnauthorizedAccessException or NotSupportedException or ObjectDisposedException or ArgumentException
               or Documents.PdfCheckException;

        /// <summary>A file for the image core (a PDF is checked on its own, not prepared).</summary>
        private static bool IsImageFile(AskImage image)
            => image.Prepared is null && image.Url is null && image.Path is string path && image.Pdf is null && !Documents.PdfDocumentCheck.IsPdfFile(path);

        /// <summary>With <see cref="InlineUrls"/>, a URL image becomes its downloaded bytes (or the failure); anything else stays.</summary>
        private async Task<(AskImage Image, Exception? Error)> InlineAsync(AskImage image, CancellationToken cancellationToken)
        {
            if (!InlineUrls || image.Url is not Uri url)
            {
                return (image, null);
            }
            try
            {
                byte[] bytes = await UrlImages.DownloadAsync(UrlImages.SharedClient, url, _question.Prepare.Budget.MaxFileBytes, UrlTimeout, cancellationToken).ConfigureAwait(false);
                OnInlined?.Invoke(url.AbsoluteUri, bytes.Length);
                return (AskImage.FromBytes(bytes, url.AbsoluteUri), null);
            }
            catch (Exception ex) when (ex is System.Net.Http.HttpRequestException
                || (!cancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException or ObjectDisposedException or System.Net.WebException))
            {
                return (image, new IOException($"Cannot download '{url.AbsoluteUri}' to send it inline: {MessageText.Sentence(ex.Message)}", ex));
            }
        }

        /// <summary>The source index key of a file: its content's SHA-256 with the preparation options; null when unreadable.</summary>
        private string? TrySourceKey(string path)
        {
            try
            {
                using FileStream file = File.OpenRead(path);
                using var sha = SHA256.Create();
                return _question.PreparedKey(Imaging.Hex.Lower(sha.ComputeHash(file)));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return null; // preparing it reports the problem
            }
        }

        private static T? Deserialize<T>(string json)
            where T : class
        {
            try
            {
                return JsonSerializer.Deserialize<T>(json);
            }
            catch (JsonException)
            {
                return null;
            }
        }

        /// <summary>A cache that cannot be written costs an answer next time, never this one.</summary>
        private void TrySet(ResultCache cache, string key, string payload)
        {
            try
            {
                cache.Set(key, payload);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                if (Interlocked.Exchange(ref _cacheUnwritableTold, 1) == 0)
                {
                    OnCacheUnwritable?.Invoke(ResultCache.UnwritableWarning(cache.Root, ex));
                }
            }
        }

        /// <summary>What the source index stores: the prepared image's hash and estimate.</summary>
        private sealed class PreparedIndex
        {
            public string Sha256 { get; set; } = string.Empty;

            public int EstimatedTokens { get; set; }

            /// <summary>Whether preparing it warned: then a re-run prepares it again, to warn again.</summary>
            public bool Warned { get; set; }
        }
    }
}
