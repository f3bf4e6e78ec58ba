using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using OpenAI.Responses;

// Responses, Conversations and Assistants are [Experimental] in the SDK; VisionPS uses them on purpose (issue 4).
#pragma warning disable OPENAI001

namespace VisionPS.Core.OpenAI
{
    /// <summary>The Responses API.</summary>
    public sealed partial class VisionClient
    {
        /// <summary>Asks a model about images through the Responses API (optionally continuing a conversation).</summary>
        public async Task<ChatAnswer> RespondAsync(VisionRequest request, CancellationToken cancellationToken = default, SendGate? gate = null)
        {
            ThrowIfDisposed();
            CreateResponseOptions options = RequestBuilder.BuildResponse(request);
            var clock = Stopwatch.StartNew();
            CallContext call = CallContext.Begin(gate);
            return await ReadAsync(call, () => _responses.CreateResponseAsync(options, cancellationToken),
                result => AnswerReader.FromResponse(result.Value, request.ConversationId, request.JsonSchema is not null, clock.Elapsed, _scrubber), cancellationToken).ConfigureAwait(false);
        }
    }
}
