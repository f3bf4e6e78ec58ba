using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Infrastructure
{
    /// <summary>
    /// A cmdlet whose work is asynchronous. <see cref="RunAsync"/> runs work on the thread pool while the pipeline
    /// thread executes every write (output, errors, verbose, debug, warnings, progress) and every ShouldProcess
    /// question the work posts through the Emit*/ShouldProcessAsync methods: PowerShell allows them on that thread
    /// only. <see cref="StopProcessing"/> (Ctrl+C, <c>PowerShell.Stop()</c>) cancels the token, so an HTTP call or a
    /// wait ends at once. Binding-time work (resolving paths, reading session state) stays synchronous in the
    /// ordinary ProcessRecord/EndProcessing overrides, which call RunAsync for the part that waits.
    /// </summary>
    public abstract class AsyncPSCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private BlockingCollection<Action>? _pipelineWork;
        private int _pipelineThreadId;

        /// <summary>Cancelled when the pipeline is stopped.</summary>
        protected CancellationToken StopToken => _stop.Token;

        protected override void StopProcessing() => _stop.Cancel();

        /// <summary>Makes <c>-Debug</c> show and never ask (see <see cref="ScriptPreferences"/>); overrides call the base first.</summary>
        protected override void BeginProcessing() => ScriptPreferences.Apply(this);

        /// <summary>Writes an object from any thread.</summary>
        protected void Emit(object? value) => OnPipeline(() => WriteOutput(value));

        // Whether a command after this one ended the run because it wants no more (Select-Object -First N has its N).
        private bool _stoppedDownstream;

        /// <summary>
        /// WriteObject, noting a stop by a command after this one: PowerShell ends the commands before Select-Object -First
        /// N, once it has its N, by a PipelineStoppedException from their WriteObject, without stopping the pipeline
        /// (Stopping stays false; Ctrl+C sets it). -ErrorAction Stop at an error throws the same exception, from WriteError.
        /// </summary>
        private void WriteOutput(object? value)
        {
            try
            {
                WriteObject(value);
            }
            catch (PipelineStoppedException) when (!Stopping)
            {
                _stoppedDownstream = true;
                throw;
            }
        }

        /// <summary>
        /// Something this run created on the service (an uploaded file, a submitted batch), which its caller learns of from
        /// the output only: a run that ends early names those the caller did not get (see <see cref="RunAsync"/>).
        /// </summary>
        private protected sealed class Created
        {
            internal Created(string id, string about)
            {
                Id = id;
                About = about;
            }

            /// <summary>The id the service gave it.</summary>
            public string Id { get; }

            /// <summary>What it is or holds, in words (the image uploaded, the part and its images).</summary>
            public string About { get; }

            // Set on the pipeline thread as it is written: the commands after this one had it.
            internal volatile bool Written;
        }

        private readonly ConcurrentQueue<Created> _created = new ConcurrentQueue<Created>();

        /// <summary>Notes, from any thread, that the run created <paramref name="id"/> on the service; write it with <see cref="Emit(Created, object)"/>.</summary>
        private protected Created NoteCreated(string id, string about)
        {
            var created = new Created(id, about);
            _created.Enqueue(created);
            return created;
        }

        /// <summary>Writes the object that stands for <paramref name="created"/>, from any thread.</summary>
        private protected void Emit(Created created, object value) => OnPipeline(() =>
        {
            created.Written = true;
            WriteOutput(value);
        });

        /// <summary>Writes a non-terminating error from any thread; an image error's raw codec text goes to the debug stream first.</summary>
        protected void EmitError(ErrorRecord error) => OnPipeline(() =>
        {
            if (ErrorIds.CodecDebugText(error) is string codec)
            {
                WriteDebug(codec);
            }
            WriteError(error);
        });

        /// <summary>
        /// Writes a non-terminating error from any thread under -ErrorAction Inquire, and tells whether the run may go on:
        /// null when the user chose to continue; the exception when they chose Halt, or when the host cannot ask (pwsh
        /// -NonInteractive: "Read and Prompt functionality is not available"), so the caller can end the run its own way
        /// instead of PowerShell ending it mid-write (which would drop the answers already paid for).
        /// </summary>
        protected Task<Exception?> EmitErrorAskingAsync(ErrorRecord error) => AskPipeline<Exception?>(() =>
        {
            try
            {
                WriteError(error);
                return null;
            }
            catch (Exception ex) when (ex is ActionPreferenceStopException or PSInvalidOperationException)
            {
                return ex;
            }
        });

        /// <summary>Ends the run with <paramref name="error"/> (a terminating error, whatever -ErrorAction says), from any thread.</summary>
        protected void EmitTerminatingError(ErrorRecord error) => OnPipeline(() => ThrowTerminatingError(error));

        /// <summary>Throws <paramref name="exception"/> again on the pipeline thread, from any thread (a halt the user chose earlier).</summary>
        protected void EmitRethrow(Exception exception) => OnPipeline(() => System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception).Throw());

        protected void EmitVerbose(string message) => OnPipeline(() => WriteVerbose(message));

        protected void EmitDebug(string message) => OnPipeline(() => WriteDebug(message));

        protected void EmitWarning(string message) => OnPipeline(() => WriteWarning(message));

        /// <summary>Writes a warning from any thread and completes once it is written (it fails when the write does: -WarningAction Stop).</summary>
        protected Task EmitWarningAsync(string message) => AskPipeline(() =>
        {
            WriteWarning(message);
            return true;
        });

        protected void EmitProgress(ProgressRecord progress) => OnPipeline(() => WriteProgress(progress));

        // Warnings kept for the end of the run (see WarnAtEnd).
        private readonly ConcurrentQueue<string> _endWarnings = new ConcurrentQueue<string>();

        /// <summary>
        /// Writes a warning from any thread when the work has ended, even when the run was stopped (Ctrl+C,
        /// -ErrorAction Stop, a halt at -Confirm) and nothing else may be written any more: what the cleanup after a
        /// stop could not do (files left on the service). A pipeline being stopped takes no warnings, so those go to
        /// the host's warning line (the console shows it; a hosting application gets it in its warning stream), as
        /// -WarningAction or $WarningPreference allow.
        /// </summary>
        protected void WarnAtEnd(string message) => _endWarnings.Enqueue(message);

        /// <summary>A warning for a pipeline that is being stopped: straight to the host, unless warnings are silenced.</summary>
        private void WarnOnHost(string message)
        {
            if (ScriptPreferences.Warnings(this) is ActionPreference.SilentlyContinue or ActionPreference.Ignore)
            {
                return;
            }
            try
            {
                Host?.UI?.WriteWarningLine(message);
            }
            catch (Exception ex) when (ex is System.Management.Automation.Host.HostException or PipelineStoppedException or NotImplementedException or InvalidOperationException)
            {
                // A host without a user interface: nowhere left to say it.
            }
        }

        /// <summary>Writes the warnings kept by <see cref="WarnAtEnd"/>, on the pipeline thread; <paramref name="quiet"/> while another failure is under way.</summary>
        private void WriteEndWarnings(bool quiet)
        {
            while (_endWarnings.TryDequeue(out string? message))
            {
                try
                {
                    WriteWarning(message);
                }
                catch (PipelineStoppedException) when (Stopping)
                {
                    WarnOnHost(message);
                }
                catch (Exception) when (quiet)
                {
                    // The run's own failure or stop is what propagates; the warning could not be shown.
                }
            }
        }

        // The tag PowerShell's host reads as "show this on the console whatever the information preference" (Write-Host's).
        private static readonly string[] s_hostTag = { "PSHOST" };

        /// <summary>
        /// Writes host text (the streamed answer) from any thread, as Write-Host does since PowerShell 5: an information
        /// record carrying a <see cref="HostInformationMessage"/> tagged PSHOST. The console shows it by default, yet a
        /// script can silence it (6&gt;$null, -InformationAction Ignore), capture it (-InformationVariable) or redirect it
        /// (*&gt;&amp;1), which text written to Host.UI escapes. <paramref name="newLine"/>: end the line after it.
        /// </summary>
        protected void EmitHost(string text, bool newLine) => OnPipeline(() =>
        {
            if (HostTextStopped || (HostTextStopped = InformationStopsOrAsks()))
            {
                return;
            }
            try
            {
                WriteInformation(new HostInformationMessage { Message = text, NoNewLine = !newLine }, s_hostTag);
            }
            catch (Exception ex) when (ex is ActionPreferenceStopException or PSInvalidOperationException or System.Management.Automation.Host.HostException)
            {
                // -InformationAction Stop, or Inquire where the host cannot ask (pwsh -NonInteractive) or the user halts:
                // the text stops here, but the run goes on, so an answer already paid for is still written as its result.
                HostTextStopped = true;
            }
        });

        // -InformationAction (or $InformationPreference) Stop or Inquire: writing the text would end or halt the run
        // (PowerShell stops the command even when the exception is caught), dropping an answer already paid for.
        private bool InformationStopsOrAsks()
        {
            object? action = MyInvocation.BoundParameters.TryGetValue("InformationAction", out object? bound) ? bound : GetVariableValue("InformationPreference");
            if (action is PSObject wrapped)
            {
                action = wrapped.BaseObject;
            }
            return action is ActionPreference preference && preference is ActionPreference.Stop or ActionPreference.Inquire;
        }

        /// <summary>
        /// Whether host text (EmitHost) reaches the console: not when -InformationAction Ignore (or $InformationPreference
        /// = 'Ignore') drops it, nor when the
        /// information stream is redirected (6&gt;$null, 6&gt;file, 6&gt;&amp;1, *&gt;&amp;1), which PowerShell shows only as the
        /// command runtime's information pipe (internal: when it cannot be read, the text is taken as not shown, so a
        /// view that would hide it as "streamed above" shows it instead). Read on the pipeline thread.
        /// </summary>
        private protected bool HostTextReachesConsole()
        {
            object? action = MyInvocation.BoundParameters.TryGetValue("InformationAction", out object? bound) ? bound : GetVariableValue("InformationPreference");
            if ((action is PSObject wrapped ? wrapped.BaseObject : action) is ActionPreference.Ignore)
            {
                return false;
            }
            try
            {
                PropertyInfo? pipe = CommandRuntime?.GetType().GetProperty("InformationOutputPipe", BindingFlags.Instance | BindingFlags.NonPublic);
                return pipe is not null && pipe.GetValue(CommandRuntime) is null;
            }
            catch (Exception ex) when (ex is TargetInvocationException or MemberAccessException or AmbiguousMatchException)
            {
                return false;
            }
        }

        /// <summary>Whether EmitHost stopped writing (-InformationAction Stop or Inquire): the text so far was not all shown. Read on the pipeline thread.</summary>
        private protected bool HostTextStopped { get; private set; }

        /// <summary>Runs <paramref name="action"/> on the pipeline thread, after every write posted before it.</summary>
        private protected void EmitThen(Action action) => OnPipeline(action);

        /// <summary>
        /// Waits until the pipeline thread has done every write posted before, so the commands after this one have taken
        /// the objects: work that would cost something (the next request or upload) starts only then. When one of them wants
        /// no more (<c>Select-Object -First 1</c>) or the pipeline is stopped, the run is cancelled instead of going on.
        /// </summary>
        protected Task WrittenAsync() => AskPipeline(() => true);

        /// <summary>Asks ShouldProcess on the pipeline thread, from any thread.</summary>
        protected Task<bool> ShouldProcessAsync(string target, string action) =>
            AskPipeline(() => ShouldProcess(target, action));

        private Task<T> AskPipeline<T>(Func<T> question)
        {
            if (IsPipelineThread)
            {
                return Task.FromResult(question());
            }
            var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            CancellationTokenRegistration registration = _stop.Token.Register(() => answer.TrySetCanceled());
            OnPipeline(() =>
            {
                try
                {
                    answer.TrySetResult(question());
                }
                catch (Exception ex)
                {
                    answer.TrySetException(ex);
                    throw;
                }
                finally
                {
                    registration.Dispose();
                }
            });
            return answer.Task;
        }

        private bool IsPipelineThread => Environment.CurrentManagedThreadId == _pipelineThreadId || _pipelineWork is null;

        private void OnPipeline(Action action)
        {
            BlockingCollection<Action>? queue = _pipelineWork;
            if (queue is null || Environment.CurrentManagedThreadId == _pipelineThreadId)
            {
                action();
                return;
            }
            try
            {
                queue.Add(action);
            }
            catch (InvalidOperationException)
            {
                // The pipeline has stopped taking work (stopped or failed): nothing more may be written.
                throw new OperationCanceledException(_stop.Token);
            }
        }

        /// <summary>
        /// Runs <paramref name="work"/> off the pipeline thread and executes its writes here until it ends.
        /// <paramref name="endedEarly"/>: asked, once the work is over, when the run does not get to its end: stopped
        /// (Ctrl+C), or ended by a failure (-ErrorAction Stop at an error, a write that failed). It gets what the run
        /// created (<see cref="NoteCreated"/>) that the caller did not get; a text it answers is a warning, written as
        /// <see cref="WarnAtEnd"/> writes it. A stop or a failure hands a variable ($files = ...) none of the output, so it
        /// gets everything created. A command after this one that wants no more (<c>| Select-Object -First 1</c>) is an
        /// ordinary end: it gets only what was never written (what was written, the command after had).
        /// </summary>
        private protected void RunAsync(Func<CancellationToken, Task> work, Func<IReadOnlyList<Created>, string?>? endedEarly = null)
        {
            using var queue = new BlockingCollection<Action>();
            _pipelineWork = queue;
            _pipelineThreadId = Environment.CurrentManagedThreadId;
            Task task = Task.Run(async () =>
            {
                try
                {
                    await work(_stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    queue.CompleteAdding();
                }
            });
            try
            {
                foreach (Action action in queue.GetConsumingEnumerable())
                {
                    action();
                }
                task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                WarnEndedEarly(endedEarly, stoppedDownstream: false);
                WriteEndWarnings(quiet: true);
                throw new PipelineStoppedException();
            }
            catch
            {
                // A write failed on the pipeline thread (e.g. the pipeline was stopped): stop the work, then rethrow.
                _stop.Cancel();
                queue.CompleteAdding();
                try
                {
                    task.Wait();
                }
                catch (AggregateException)
                {
                    // The original failure below is the one that matters.
                }
                WarnEndedEarly(endedEarly, _stoppedDownstream);
                WriteEndWarnings(quiet: true);
                throw;
            }
            finally
            {
                _pipelineWork = null;
            }
            WriteEndWarnings(quiet: false);
        }

        private void WarnEndedEarly(Func<IReadOnlyList<Created>, string?>? endedEarly, bool stoppedDownstream)
        {
            List<Created> missed = _created.Where(c => !stoppedDownstream || !c.Written).ToList();
            if (endedEarly?.Invoke(missed) is string warning)
            {
                WarnAtEnd(warning);
            }
        }

        public void Dispose()
        {
            _stop.Dispose();
            GC.SuppressFinalize(this);
        }
    }
}
