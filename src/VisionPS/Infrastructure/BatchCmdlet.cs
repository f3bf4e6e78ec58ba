using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.Batching;
using VisionPS.Core.OpenAI;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A cmdlet about existing batches: ids from -Id or piped VisionBatch objects (by property name), collected
    /// on the pipeline thread, then worked on together in EndProcessing.
    /// </summary>
    public abstract class BatchCmdlet : VisionServiceCmdlet
    {
        /// <summary>The ids given so far, in input order, without repeats.</summary>
        private protected List<string> Ids { get; } = new List<string>();

        /// <summary>The local batch records.</summary>
        private protected BatchStore Store { get; private set; } = null!;

        protected override void BeginProcessing()
        {
            base.BeginProcessing();
            Store = VisionDefaults.Current.OpenBatchStore();
        }

        /// <summary>Adds ids (called from ProcessRecord).</summary>
        private protected void Collect(IEnumerable<string>? ids)
        {
            if (ids is null)
            {
                return;
            }
            foreach (string id in ids)
            {
                if (!Ids.Contains(id))
                {
                    Ids.Add(id);
                }
            }
        }

        /// <summary>
        /// The BatchFailed error of a batch that failed (validation): the service's reasons (at most 10), each naming its
        /// input line and, from the local record, the image on that line.
        /// </summary>
        private protected static ErrorRecord FailedError(VisionBatch batch)
        {
            var reasons = new List<string>();
            foreach (BatchError error in batch.Errors)
            {
                if (reasons.Count == 10)
                {
                    reasons.Add($"and {batch.Errors.Count - 10} more");
                    break;
                }
                string? image = error.Line is int line && batch.Record is BatchRecord record && line >= 1 && line <= record.Items.Count
                    ? record.Items[line - 1].Source
                    : null;
                reasons.Add(error.Line is int at
                    ? $"line {at}{(image is null ? string.Empty : $" ('{image}')")}: {error.Message}"
                    : error.Message);
            }
            string text = reasons.Count == 0 ? "no reason given" : string.Join("; ", reasons);
            string message = $"Batch {batch.Id} failed: {text}";
            return ErrorIds.Create(new InvalidOperationException(message), ErrorIds.BatchFailed, ErrorCategory.InvalidData, batch.Id, message);
        }

        private readonly HashSet<string> _toldUnreadable = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>
        /// The local record of a batch, or null. A record file that exists but cannot be read is a warning naming it
        /// (once per batch and command): the batch's answers can no longer be mapped back to their images.
        /// </summary>
        private protected BatchRecord? LoadRecord(string id)
        {
            BatchRecord? record = Store.TryLoad(id, out string? problem);
            if (problem is not null)
            {
                TellUnreadable(id, Store.RecordPath(id), problem);
            }
            return record;
        }

        /// <summary>Whether the record file of a batch exists (readable or not).</summary>
        private protected bool HasRecordFile(string id)
        {
            try
            {
                return System.IO.File.Exists(Store.RecordPath(id));
            }
            catch (ArgumentException)
            {
                return false; // not a batch id a record file can be named after
            }
        }

        /// <summary>Warns, once per batch, that its record file cannot be read.</summary>
        private protected void TellUnreadable(string id, string file, string problem)
        {
            lock (_toldUnreadable)
            {
                if (!_toldUnreadable.Add(id))
                {
                    return;
                }
            }
            EmitWarning($"The local record of batch {id} ('{file}') cannot be read: {problem}. Its answers cannot be mapped back to their images "
                + "(they carry their custom_id instead); restore the file from a backup, or delete it to stop this warning.");
        }

        /// <summary>The batch from the service (asked where its route says), with its local record; null when it failed (error written).</summary>
        private protected Task<VisionBatch?> FetchAsync(BatchRoute route, string id, CancellationToken cancel) => FetchAsync(route, id, null, cancel);

        /// <summary>
        /// The batch from the service (asked where its route says), with its local record; null when it failed. A failure
        /// <paramref name="passOver"/> takes (returns true for) is no error: the caller has said what it means.
        /// </summary>
        private protected async Task<VisionBatch?> FetchAsync(BatchRoute route, string id, Func<OpenAIRequestException, bool>? passOver, CancellationToken cancel)
        {
            try
            {
                VisionBatchJob job = await route.Client.GetBatchAsync(id, cancel).ConfigureAwait(false);
                return new VisionBatch(job, LoadRecord(id));
            }
            catch (OpenAIRequestException ex)
            {
                if (passOver is not null && passOver(ex))
                {
                    return null;
                }
                EmitError(RequestError(ex, route, id));
                return null;
            }
        }

        /// <summary>The BatchRequestFailed error of a request about a batch, saying where it was asked when that is not plain.</summary>
        private protected static ErrorRecord RequestError(OpenAIRequestException ex, BatchRoute route, object target)
            => route.Note is null
                ? ErrorIds.ForRequest(ex, ErrorIds.BatchRequestFailed, target)
                : ErrorIds.ForRequest(ex, ErrorIds.BatchRequestFailed, target, $"{ex.Message} {route.Note}");

        /// <summary>
        /// The routes of this command's batches (dispose after the run: it owns their clients). <paramref name="brief"/>
        /// (listing every record): a batch asked at the endpoint its record names gets one try of at most 10 s, so an
        /// endpoint that accepts connections and never answers holds the listing up briefly.
        /// </summary>
        private protected BatchRoutes OpenRoutes(bool brief = false) => new BatchRoutes(this, brief);

        /// <summary>Where requests about one batch go.</summary>
        private protected sealed class BatchRoute
        {
            internal BatchRoute(VisionClient client, bool own, string? note)
            {
                Client = client;
                Own = own;
                Note = note;
            }

            /// <summary>The client its requests go through.</summary>
            public VisionClient Client { get; }

            /// <summary>True when it is asked at the endpoint its record names, which is not this command's endpoint.</summary>
            public bool Own { get; }

            /// <summary>What its errors add about where it was asked (and how to ask elsewhere); null when plain.</summary>
            public string? Note { get; }
        }

        /// <summary>
        /// Where each batch is asked about: -BaseUri when given on the command; else the endpoint its local record names
        /// (created there), with the key resolved as usual only when the record's check says that key went there at
        /// submission (or with no key, when it was submitted without one); else the command's endpoint (the session
        /// default), as for a batch without a record. One client per endpoint, disposed with the routes.
        /// </summary>
        private protected sealed class BatchRoutes : IDisposable
        {
            private readonly BatchCmdlet _owner;
            private readonly Dictionary<string, BatchRoute> _byId = new Dictionary<string, BatchRoute>(StringComparer.Ordinal);
            private readonly Dictionary<string, VisionClient> _clients = new Dictionary<string, VisionClient>(StringComparer.OrdinalIgnoreCase);

            private readonly bool _brief;

            /// <summary>The longest a listing waits for the endpoint a record names.</summary>
            internal static readonly TimeSpan BriefTimeout = TimeSpan.FromSeconds(10);

            internal BatchRoutes(BatchCmdlet owner, bool brief)
            {
                _owner = owner;
                _brief = brief;
                Default = new VisionClient(owner.Connection);
            }

            /// <summary>The command's own client: -BaseUri, else the session default.</summary>
            public VisionClient Default { get; }

            /// <summary>The route of a batch (decided once per command; -Verbose says where it goes).</summary>
            public BatchRoute For(string id)
            {
                lock (_byId)
                {
                    if (!_byId.TryGetValue(id, out BatchRoute? route))
                    {
                        route = Decide(id);
                        _byId[id] = route;
                    }
                    return route;
                }
            }

            private BatchRoute Decide(string id)
            {
                BatchRecord? record = _owner.LoadRecord(id);
                string here = Default.Endpoint.AbsoluteUri.TrimEnd('/');
                if (record is null || string.IsNullOrWhiteSpace(record.BaseUri))
                {
                    return new BatchRoute(Default, own: false, note: null);
                }
                string there = record.BaseUri.Trim().TrimEnd('/');
                bool same = string.Equals(there, here, StringComparison.OrdinalIgnoreCase);
                // As messages name them: never a user name or password written into either address (the record keeps
                // what was given), but with the path, so that a "-BaseUri ..." hint can be typed as shown.
                string hereShown = UriText.Shown(here), thereShown = UriText.Shown(there);
                if (_owner.IsBound(nameof(BaseUri)))
                {
                    if (!same)
                    {
                        _owner.EmitVerbose($"Batch {id}: using -BaseUri {hereShown}, not {thereShown}, the endpoint it was created at.");
                    }
                    return new BatchRoute(Default, own: false, note: null);
                }
                if (same)
                {
                    _owner.EmitVerbose($"Batch {id}: using the endpoint it was created at, {thereShown}.");
                    return new BatchRoute(Default, own: false, note: null);
                }
                string elsewhere = $"it was asked at {hereShown} instead. To ask {thereShown}: -BaseUri {thereShown} -ApiKey <that endpoint's key>.";
                if (!Uri.TryCreate(there, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                {
                    return Fallback(id, $"Batch {id}: its local record names '{thereShown}' as the endpoint it was created at, which is no http(s) address, so {elsewhere}");
                }
                if (record.AzureApiVersion is not null && string.IsNullOrWhiteSpace(record.AzureApiVersion))
                {
                    return Fallback(id, $"Batch {id}: its local record ('{_owner.Store.RecordPath(id)}') is damaged: its AzureApiVersion is blank, so {elsewhere}");
                }
                // The key goes to the recorded endpoint only if it is the key that went there when the batch was submitted
                // (the record's check, computed with the key; never the key): a record edited to name another endpoint,
                // or a batch submitted with another key (-ApiKey), gets no key it was not given.
                // The check covers the endpoint's kind and api-version too, so a record edited to make it Azure (or another
                // api-version) does not match either.
                bool keyless = record.KeyCheck is { Length: 0 };
                if (!keyless && (record.KeyCheck is null
                    || !string.Equals(record.KeyCheck, _owner.Connection.EndpointKeyCheck(record.BaseUri, record.AzureApiVersion), StringComparison.OrdinalIgnoreCase)))
                {
                    string why = record.KeyCheck is null
                        ? "its local record (written by an earlier VisionPS) does not say which API key went there"
                        : "the API key in use is not the one it was submitted with";
                    return Fallback(id, $"Batch {id} was created at {thereShown}, but {why}. The key was not sent there: {elsewhere}");
                }
                // A record that says its batch went without a key takes the keyless route only when this session has no key
                // either (it is the same kind of setup), or to this machine (a local server): otherwise anyone who can write
                // a record (a shared -BatchPath) could have answers from any address taken into the answer cache.
                if (keyless && _owner.Connection.HasCredential && !uri.IsLoopback)
                {
                    return Fallback(id, $"Batch {id}: its local record says it was submitted to {thereShown} without an API key; this session has a key and "
                        + $"{thereShown} is not on this machine, so nothing was asked there: {elsewhere}");
                }
                string name = $"{there}|{record.AzureApiVersion}|{(keyless ? "no key" : "key")}";
                if (!_clients.TryGetValue(name, out VisionClient? client))
                {
                    VisionConnection connection;
                    try
                    {
                        connection = _owner.Connection.WithEndpoint(uri, record.AzureApiVersion, withKey: !keyless);
                        if (keyless && (connection.Azure is not null || VisionConnection.IsOpenAIHost(uri)))
                        {
                            return Fallback(id, $"Batch {id}: its local record says it was submitted to {thereShown} without an API key, which that endpoint does not take, so {elsewhere}");
                        }
                        if (_brief)
                        {
                            connection.MaxRetries = 0;
                            connection.Timeout = connection.Timeout < BriefTimeout ? connection.Timeout : BriefTimeout;
                        }
                        client = new VisionClient(connection);
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
                    {
                        return Fallback(id, $"Batch {id}: the endpoint it was created at, {thereShown}, cannot be used ({Core.MessageText.Clause(UriText.WithoutUserInfo(ex.Message))}), so {elsewhere}");
                    }
                    _clients[name] = client; // its clear-text warning, if any, comes before its first request (VisionConnection.Warning)
                }
                _owner.EmitVerbose($"Batch {id}: using the endpoint it was created at, {thereShown}.");
                return new BatchRoute(client, own: true, note: $"(Batch {id} was asked at {thereShown}, the endpoint it was created at; -BaseUri asks another.)");
            }

            private BatchRoute Fallback(string id, string note)
            {
                _owner.EmitVerbose(note);
                return new BatchRoute(Default, own: false, note: note);
            }

            public void Dispose()
            {
                Default.Dispose();
                foreach (VisionClient client in _clients.Values)
                {
                    client.Dispose();
                }
            }
        }
    }
}
