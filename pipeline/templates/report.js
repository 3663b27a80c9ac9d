(function(){
  'use strict';
  // Plain ES5 so the page works from an e-mail attachment in an old browser. localStorage may be
  // missing or throw (file:// pages, private windows): the marks then live in memory, and say so.
  // Marks are kept per claim (data-claim: the key review decisions use in the warehouse), so they
  // survive a page written again after `make reextract` gave the checks new ids.
  var reportId=document.body.getAttribute('data-report')||'';
  var sha256=document.body.getAttribute('data-sha256')||'';
  var checks=[].slice.call(document.querySelectorAll('.check'));
  var search=document.getElementById('search');
  var hideReviewed=document.getElementById('hide-reviewed');
  var settled=document.getElementById('settled');
  var reviewer=document.getElementById('reviewer');
  var exportButton=document.getElementById('export');
  var VERDICTS={confirmed:'Lỗi thật',false_alarm:'Báo nhầm',explained:'Có giải thích'};
  var store=openStore(), memory={};
  function openStore(){
    try{var s=window.localStorage,k='solieu:probe';s.setItem(k,'1');s.removeItem(k);return s;}catch(e){return null;}
  }
  function get(k){
    if(store){try{var v=store.getItem(k);if(v!==null){return v;}}catch(e){}}
    return Object.prototype.hasOwnProperty.call(memory,k)?memory[k]:null;
  }
  function put(k,v){
    memory[k]=v;
    if(store){try{if(v===null){store.removeItem(k);}else{store.setItem(k,v);}return;}catch(e){}}
    if(v!==null){document.getElementById('storage-note').hidden=false;}
  }
  function claimOf(el){return el.getAttribute('data-claim')||el.getAttribute('data-id');}
  function seenKey(el){return 'solieu:reviewed:'+reportId+':'+claimOf(el);}
  function reviewKey(el){return 'solieu:review:'+reportId+':'+claimOf(el);}
  function time(at){var t=Date.parse(at||'');return isNaN(t)?0:t;}
  function stored(box){
    var review=box.getAttribute('data-stored-review');
    return review?{review:review,note:box.getAttribute('data-stored-note')||'',by:box.getAttribute('data-stored-by')||'',
                   at:box.getAttribute('data-stored-at')||''}:null;
  }
  function local(el){
    var v=get(reviewKey(el));
    if(!v){return null;}
    try{var d=JSON.parse(v);return d&&typeof d==='object'?d:null;}catch(e){return null;}
  }
  // the decision shown: this browser's when it is newer than the warehouse's
  function effective(el,box){
    var s=stored(box),l=local(el);
    return l&&(!s||time(l.at)>time(s.at))?l:s;
  }
  // a decision made here that the warehouse does not hold yet: what the export file carries
  function pending(el,box){
    var s=stored(box),l=local(el);
    if(!l||(s&&time(l.at)<=time(s.at))){return null;}
    if(s?(l.review||'')===s.review&&(l.note||'')===s.note:!l.review){return null;}
    return l;
  }
  function fold(s){
    s=(s||'').toLowerCase();
    if(s.normalize){s=s.normalize('NFD').replace(/[\u0300-\u036f]/g,'');}
    return s.replace(/\u0111/g,'d').replace(/\s+/g,' ');
  }
  function values(cls){
    return [].slice.call(document.querySelectorAll('input.'+cls)).filter(function(i){return i.checked;}).map(function(i){return i.value;});
  }
  function showDecision(el,box){
    var d=effective(el,box),p=pending(el,box),review=d&&d.review?d.review:'';
    el.setAttribute('data-review',review);
    el.classList.toggle('has-review',!!review);
    var line=box.querySelector('.review-local');
    if(p){
      line.textContent='Chưa lưu vào kho: '+(p.review?VERDICTS[p.review]||p.review:'bỏ đánh giá')+(p.note?' · “'+p.note+'”':'')
        +' — bấm “Xuất” rồi nạp tệp bằng make review IMPORT=<tệp>.';
      line.hidden=false;
    }else{line.hidden=true;line.textContent='';}
  }
  function markSeen(el,on){
    var box=el.querySelector('input.seen');
    box.checked=on;put(seenKey(el),on?'1':'0');el.classList.toggle('is-reviewed',on);
  }
  checks.forEach(function(el){
    el.searchText=fold([].slice.call(el.querySelectorAll('.search-text')).map(function(n){return n.textContent;}).join(' '));
    var seen=el.querySelector('input.seen'),box=el.querySelector('.review'),mark=get(seenKey(el));
    // a flag with a decision (stored or made here) counts as seen until it is unticked
    seen.checked=mark==='1'||(mark===null&&!!box&&!!(effective(el,box)||{}).review);
    el.classList.toggle('is-reviewed',seen.checked);
    seen.addEventListener('change',function(){markSeen(el,seen.checked);apply();});
    if(!box||!box.querySelector('.review-note')){return;}
    var d=effective(el,box),note=box.querySelector('.review-note');
    [].slice.call(box.querySelectorAll('input[type=radio]')).forEach(function(r){
      r.checked=r.value===(d&&d.review?d.review:'');
      r.addEventListener('change',function(){record(el,box);});
    });
    note.value=d&&d.note?d.note:'';
    note.addEventListener('input',function(){record(el,box);});
    showDecision(el,box);
  });
  function record(el,box){
    var chosen=box.querySelector('input[type=radio]:checked'),review=chosen?chosen.value:'';
    put(reviewKey(el),JSON.stringify({review:review,note:box.querySelector('.review-note').value,
                                      at:new Date().toISOString(),by:reviewer.value}));
    if(review){markSeen(el,true);}
    showDecision(el,box);
    apply();
  }
  function number(el,name){var v=el.getAttribute(name);return v===null||v===''?null:Number(v);}
  function collect(){
    var out=[];
    checks.forEach(function(el){
      var box=el.querySelector('.review'),p=box&&pending(el,box);
      if(!p){return;}
      out.push({claim_key:el.getAttribute('data-claim'),check_id:el.getAttribute('data-id'),rule_id:el.getAttribute('data-rule'),
                review:p.review||null,note:p.note||'',reviewed_by:p.by||reviewer.value||'',reviewed_at:p.at,
                status:el.getAttribute('data-status'),reported:number(el,'data-reported'),computed:number(el,'data-computed'),
                quote:el.getAttribute('data-quote')});
    });
    return out;
  }
  function stamp(){
    var d=new Date();
    function two(n){return (n<10?'0':'')+n;}
    return d.getFullYear()+two(d.getMonth()+1)+two(d.getDate())+'-'+two(d.getHours())+two(d.getMinutes());
  }
  exportButton.addEventListener('click',function(){
    var payload={format:'solieu-review/1',report_id:reportId,sha256:sha256,exported_at:new Date().toISOString(),decisions:collect()};
    var blob=new Blob([JSON.stringify(payload,null,2)],{type:'application/json'});
    var link=document.createElement('a');
    link.href=URL.createObjectURL(blob);
    link.download='solieu-review-'+reportId+'-'+stamp()+'.json';
    document.body.appendChild(link);
    link.click();
    setTimeout(function(){URL.revokeObjectURL(link.href);link.parentNode.removeChild(link);},0);
  });
  reviewer.value=get('solieu:reviewer')||'';
  reviewer.addEventListener('input',function(){put('solieu:reviewer',reviewer.value||null);});
  function apply(){
    var types=values('f-type'),statuses=values('f-status');
    var terms=fold(search.value).split(' ').filter(function(t){return t;});
    var shown=0,reviewed=0,decided=0,waiting=0,perSection={};
    checks.forEach(function(el){
      var seen=el.querySelector('input.seen').checked;
      var section=el.parentNode.id;
      if(section==='urgent'&&seen){reviewed++;}
      if(section==='urgent'&&el.getAttribute('data-review')){decided++;}
      var box=el.querySelector('.review');
      if(box&&pending(el,box)){waiting++;}
      var on=types.indexOf(el.getAttribute('data-type'))>=0&&statuses.indexOf(el.getAttribute('data-status'))>=0
        &&terms.every(function(t){return el.searchText.indexOf(t)>=0;})&&!(hideReviewed.checked&&seen);
      el.classList.toggle('hidden',!on);
      if(on){shown++;perSection[section]=(perSection[section]||0)+1;}
    });
    [].slice.call(document.querySelectorAll('[data-shown-in]')).forEach(function(n){
      var id=n.getAttribute('data-shown-in'),count=perSection[id]||0;
      n.textContent=count;
      var empty=document.querySelector('#'+id+' > .empty');
      if(empty){empty.hidden=count>0||!document.querySelector('#'+id+' .check');}
    });
    if(terms.length&&perSection.settled){settled.open=true;}
    document.getElementById('shown').textContent=shown;
    document.getElementById('reviewed').textContent=reviewed;
    document.getElementById('progress').value=reviewed;
    document.getElementById('decided').textContent=decided;
    document.getElementById('pending').textContent=waiting;
    exportButton.disabled=waiting===0;
  }
  [].slice.call(document.querySelectorAll('.toolbar input[type=checkbox]')).forEach(function(i){i.addEventListener('change',apply);});
  search.addEventListener('input',apply);
  apply();
})();
