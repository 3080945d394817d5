//! A gRPC service answered once it has been built elsewhere: the server can
//! listen, and the handshake go out, while the provider's schemas are still
//! being derived on a thread of their own. Calls that arrive before wait for
//! the build; none is refused for being early.

use std::convert::Infallible;
use std::task::{Context, Poll};

use tokio::sync::watch;
use tonic::body::Body;
use tonic::codegen::{http, BoxFuture, Service};
use tonic::server::NamedService;

/// The service `S`, or the promise of it.
#[derive(Clone)]
pub(crate) struct Deferred<S> {
    ready: watch::Receiver<Option<S>>,
}

/// Where the builder puts the finished service. Dropped without a service
/// (the build failed), every call waiting and to come is answered
/// `UNAVAILABLE`.
pub(crate) struct Promise<S>(watch::Sender<Option<S>>);

impl<S> Promise<S> {
    pub(crate) fn keep(self, service: S) {
        self.0.send_replace(Some(service));
    }
}

pub(crate) fn deferred<S>() -> (Promise<S>, Deferred<S>) {
    let (tx, rx) = watch::channel(None);
    (Promise(tx), Deferred { ready: rx })
}

impl<S: NamedService> NamedService for Deferred<S> {
    const NAME: &'static str = S::NAME;
}

impl<S> Service<http::Request<Body>> for Deferred<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let mut ready = self.ready.clone();
        Box::pin(async move {
            let built = ready
                .wait_for(Option::is_some)
                .await
                .ok()
                .and_then(|s| s.clone());
            match built {
                Some(mut service) => service.call(req).await,
                None => {
                    Ok(tonic::Status::unavailable("the provider could not be built").into_http())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service that answers every call with an empty 200.
    #[derive(Clone)]
    struct Ok200;

    impl Service<http::Request<Body>> for Ok200 {
        type Response = http::Response<Body>;
        type Error = Infallible;
        type Future = BoxFuture<Self::Response, Self::Error>;
        fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
            Poll::Ready(Ok(()))
        }
        fn call(&mut self, _req: http::Request<Body>) -> Self::Future {
            Box::pin(async { Ok(http::Response::new(Body::empty())) })
        }
    }

    fn request() -> http::Request<Body> {
        http::Request::new(Body::empty())
    }

    #[tokio::test]
    async fn an_early_call_waits_for_the_service() {
        let (promise, mut svc) = deferred::<Ok200>();
        let call = tokio::spawn(svc.call(request()));
        tokio::task::yield_now().await;
        assert!(!call.is_finished(), "answered before the service existed");
        promise.keep(Ok200);
        let resp = call.await.expect("join").expect("infallible");
        assert_eq!(resp.status(), http::StatusCode::OK);
        assert!(resp.headers().get("grpc-status").is_none());
        // Later calls go straight through.
        let resp = svc.call(request()).await.expect("infallible");
        assert_eq!(resp.status(), http::StatusCode::OK);
    }

    #[tokio::test]
    async fn a_failed_build_answers_unavailable() {
        let (promise, mut svc) = deferred::<Ok200>();
        let call = tokio::spawn(svc.call(request()));
        drop(promise);
        let resp = call.await.expect("join").expect("infallible");
        let status = resp.headers().get("grpc-status").expect("a gRPC status");
        assert_eq!(status, &(tonic::Code::Unavailable as i32).to_string());
    }
}
