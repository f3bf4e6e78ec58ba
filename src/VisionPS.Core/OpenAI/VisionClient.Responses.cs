using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using OpenAI;
using OpenAI.Assistants;
using OpenAI.Batch;
using OpenAI.Chat;
using OpenAI.Conversations;
using OpenAI.Files;
using OpenAI.Responses;
using VisionPS.Core.Batching;

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
                result => AnswerReader.FromResponse(result.Value, request.ConversationId, request.JsonSchema is not null, clock.Elapsed), cancellationToken).ConfigureAwait(false);
        }
    }
}
