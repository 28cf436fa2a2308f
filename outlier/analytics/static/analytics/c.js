/* Outlier conversions */
(function(w,d){var s=d.currentScript,u=new URL(s.src).origin+"/c/"+s.getAttribute("data-key"),
q=new URLSearchParams(location.search).get("olr_click");
function g(n){var m=d.cookie.match("(?:^|; )"+n+"=([^;]*)");return m?m[1]:""}
function c(n,v){d.cookie=n+"="+v+";path=/;max-age=31536000;samesite=lax"+(location.protocol=="https:"?";secure":"")}
if(q&&/^[\w-]{1,32}$/.test(q)){c("olr_c",q);g("olr_f")||c("olr_f",q)}
function t(b,n){fetch(u,{method:"POST",body:JSON.stringify(b),keepalive:true,credentials:"omit",headers:{"Content-Type":"text/plain"}})
.then(function(r){return r.json()}).then(function(j){j.retry&&n<4&&setTimeout(function(){t(b,n+1)},1e3*(n+1))}).catch(function(){})}
w.outlier=function(k,o){o=o||{};var b={kind:k,amount:o.amount,currency:o.currency,external_id:o.id,customer_id:o.customer,click_id:g("olr_c"),first_click_id:g("olr_f")};
(b.click_id||b.customer_id)&&t(b,0)};
(w.outlierq||[]).forEach(function(a){w.outlier.apply(w,a)})})(window,document);
